using System.Globalization;
using System.Net;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Slo.Api.Prometheus;

/// <summary>One series of an instant-query answer.</summary>
public sealed record VectorSample(IReadOnlyDictionary<string, string> Labels, Instant At, double Value);

/// <summary>One series of a range-query answer.</summary>
public sealed record MatrixSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(Instant At, double Value)> Points);

/// <summary>An answer with the warnings Prometheus attached to it (e.g. a partial result).</summary>
public sealed record QueryResult<T>(T Data, IReadOnlyList<string> Warnings);

/// <summary>
/// A typed client of the Prometheus HTTP API (v1). Retries, timeouts and the circuit breaker live in the resilience
/// handler the host configures; this class turns every way of failing into a <see cref="PrometheusException"/>.
/// </summary>
public sealed class PrometheusClient(HttpClient http, PrometheusCost cost)
{
    /// <summary>The most points Prometheus returns per series in one range query.</summary>
    public const int MaxPointsPerSeries = 11_000;

    public Uri? BaseAddress => http.BaseAddress;

    /// <summary>An instant query evaluated at <paramref name="at"/>; sent as a form POST so long batched queries fit.</summary>
    public async Task<QueryResult<IReadOnlyList<VectorSample>>> QueryAsync(string query, Instant at, CancellationToken cancellationToken)
    {
        using var root = await PostAsync("api/v1/query", [new("query", query), new("time", Format(at)), Stats], cancellationToken);
        var data = root.RootElement.GetProperty("data");
        var type = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        var samples = new List<VectorSample>();
        switch (type)
        {
            case "vector":
                foreach (var item in result.EnumerateArray())
                {
                    var (t, v) = Point(item.GetProperty("value"));
                    samples.Add(new VectorSample(Labels(item), t, v));
                }

                break;
            case "scalar":
                var (st, sv) = Point(result);
                samples.Add(new VectorSample(new Dictionary<string, string>(), st, sv));
                break;
            default:
                throw new PrometheusException(PrometheusFailure.BadResponse, $"expected a vector from the query, got a {type}");
        }

        return new QueryResult<IReadOnlyList<VectorSample>>(samples, Warnings(root.RootElement));
    }

    /// <summary>A range query from <paramref name="start"/> to <paramref name="end"/> (both included) every <paramref name="step"/>.</summary>
    public async Task<QueryResult<IReadOnlyList<MatrixSeries>>> QueryRangeAsync(string query, Instant start, Instant end, Duration step, CancellationToken cancellationToken)
    {
        using var root = await PostAsync("api/v1/query_range",
            [new("query", query), new("start", Format(start)), new("end", Format(end)), new("step", step.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)), Stats],
            cancellationToken);
        var data = root.RootElement.GetProperty("data");
        if (data.GetProperty("resultType").GetString() != "matrix")
            throw new PrometheusException(PrometheusFailure.BadResponse, "expected a matrix from the range query");
        var series = new List<MatrixSeries>();
        foreach (var item in data.GetProperty("result").EnumerateArray())
        {
            var points = item.GetProperty("values").EnumerateArray().Select(Point).ToArray();
            series.Add(new MatrixSeries(Labels(item), points));
        }

        return new QueryResult<IReadOnlyList<MatrixSeries>>(series, Warnings(root.RootElement));
    }

    /// <summary>The values a label takes on the series matching <paramref name="match"/> between two instants.</summary>
    public async Task<IReadOnlyList<string>> LabelValuesAsync(string label, string match, Instant start, Instant end, CancellationToken cancellationToken)
    {
        using var root = await PostAsync($"api/v1/label/{Uri.EscapeDataString(label)}/values",
            [new("match[]", match), new("start", Format(start)), new("end", Format(end))], cancellationToken, get: true);
        return root.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
    }

    private async Task<JsonDocument> PostAsync(string path, KeyValuePair<string, string>[] form, CancellationToken cancellationToken, bool get = false)
    {
        HttpResponseMessage response;
        try
        {
            // The label-values endpoint takes GET only on older servers; queries go as POST bodies.
            using var request = get
                ? new HttpRequestMessage(HttpMethod.Get, path + "?" + string.Join("&", form.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}")))
                : new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
            cost.RecordRequest();
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException e)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable, $"Prometheus at {http.BaseAddress} failed repeatedly; not calling it for a while ({e.Message})", e);
        }
        catch (Exception e) when (e is TimeoutRejectedException or TaskCanceledException or TimeoutException)
        {
            throw new PrometheusException(PrometheusFailure.Timeout, $"Prometheus at {http.BaseAddress} did not answer in time", e);
        }
        catch (HttpRequestException e)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable, $"cannot reach Prometheus at {http.BaseAddress}: {e.Message}", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException e)
            {
                throw new PrometheusException(
                    response.IsSuccessStatusCode ? PrometheusFailure.BadResponse : Failure(response.StatusCode),
                    $"Prometheus answered HTTP {(int)response.StatusCode} with a body that is not its JSON: {Shorten(body)}",
                    e);
            }

            var root = document.RootElement;
            var status = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (status == "success" && root.TryGetProperty("data", out var data))
            {
                cost.Record(SamplesRead(data));
                return document;
            }

            using (document)
            {
                if (status == "error")
                {
                    var errorType = root.TryGetProperty("errorType", out var et) ? et.GetString() : "error";
                    var error = root.TryGetProperty("error", out var er) ? er.GetString() : "(no message)";
                    throw new PrometheusException(PrometheusFailure.QueryError, $"Prometheus rejected the query ({errorType}): {error}");
                }
            }

            throw new PrometheusException(PrometheusFailure.BadResponse, $"Prometheus answered HTTP {(int)response.StatusCode} without a status: {Shorten(body)}");
        }
    }

    // Prometheus reports what a query read when asked (stats=all); engines that ignore the parameter report nothing.
    private static readonly KeyValuePair<string, string> Stats = new("stats", "all");

    private static long SamplesRead(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("stats", out var stats) && stats.ValueKind == JsonValueKind.Object
        && stats.TryGetProperty("samples", out var samples) && samples.ValueKind == JsonValueKind.Object
        && samples.TryGetProperty("totalQueryableSamples", out var total) && total.TryGetInt64(out var count)
            ? count
            : 0;

    private static PrometheusFailure Failure(HttpStatusCode code) =>
        code is HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout ? PrometheusFailure.Timeout
        : (int)code >= 500 ? PrometheusFailure.Unreachable
        : PrometheusFailure.BadResponse;

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + "…";

    private static string Format(Instant at) => (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Labels(JsonElement item) =>
        item.TryGetProperty("metric", out var metric)
            ? metric.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
            : [];

    private static (Instant At, double Value) Point(JsonElement pair)
    {
        try
        {
            var seconds = pair[0].GetDouble();
            var text = pair[1].GetString();
            var value = text switch
            {
                "NaN" => double.NaN,
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            return (Instant.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)), value);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentNullException or KeyNotFoundException)
        {
            throw new PrometheusException(PrometheusFailure.BadResponse, $"a sample is not a [time, \"value\"] pair: {pair.GetRawText()}", e);
        }
    }

    private static IReadOnlyList<string> Warnings(JsonElement root) =>
        root.TryGetProperty("warnings", out var w) && w.ValueKind == JsonValueKind.Array
            ? w.EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
            : [];
}
