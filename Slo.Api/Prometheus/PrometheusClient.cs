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
/// <param name="source">The source it talks to, for messages; null for a bare client (tests).</param>
/// <param name="credentials">The source's credentials, hidden in whatever a message quotes from an answer.</param>
public sealed class PrometheusClient(HttpClient http, PrometheusCost cost, PrometheusSource? source = null, PrometheusCredentials? credentials = null)
{
    /// <summary>The most points Prometheus returns per series in one range query.</summary>
    public const int MaxPointsPerSeries = 11_000;

    public Uri? BaseAddress => http.BaseAddress;

    /// <summary>The source as messages show it: its name and its address without user information (a password in the
    /// URL is a secret).</summary>
    private string Shown => source is null ? $"Prometheus at {Redact(http.BaseAddress)}" : source.Shown;

    /// <summary>Who answered, for messages about an answer.</summary>
    private string Who => source is null || source.Name == Engine.Definitions.Objective.DefaultSource ? "Prometheus" : $"Prometheus source '{source.Name}'";

    /// <summary>A URL without its user information, for logs, errors and pages.</summary>
    public static string Redact(Uri? url) =>
        url is null ? "(no address)" : url.IsAbsoluteUri && url.UserInfo.Length > 0 ? new UriBuilder(url) { UserName = "", Password = "" }.Uri.ToString() : url.ToString();

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

    /// <summary>The label sets of the series matching <paramref name="match"/> between two instants (the index only: no
    /// sample is read).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> SeriesAsync(string match, Instant start, Instant end, CancellationToken cancellationToken)
    {
        using var root = await PostAsync("api/v1/series", [new("match[]", match), new("start", Format(start)), new("end", Format(end))], cancellationToken);
        return root.RootElement.GetProperty("data").EnumerateArray()
            .Select(series => (IReadOnlyDictionary<string, string>)series.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal))
            .ToArray();
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
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException e)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable, $"{Shown} failed repeatedly; not calling it for a while ({e.Message})", e);
        }
        catch (Exception e) when (e is TimeoutRejectedException or TaskCanceledException or TimeoutException)
        {
            throw new PrometheusException(PrometheusFailure.Timeout, $"{Shown} did not answer in time", e);
        }
        catch (HttpRequestException e)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable, $"cannot reach {Shown}: {e.Message}", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                // The body is not quoted: a proxy may echo what it was sent.
                throw Unauthorized($"HTTP {(int)response.StatusCode} ({response.ReasonPhrase})");
            }

            var document = await ParseAsync(response, cancellationToken);
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
                    var error = root.TryGetProperty("error", out var er) ? er.GetString() : null;
                    throw new PrometheusException(PrometheusFailure.QueryError, $"{Who} rejected the query ({errorType}): {Hide(error ?? "(no message)")}");
                }

                throw new PrometheusException(PrometheusFailure.BadResponse, $"{Who} answered HTTP {(int)response.StatusCode} without a status: {Shorten(root.GetRawText())}");
            }
        }
    }

    /// <summary>
    /// Reads the answer. JSON is parsed straight from the connection into pooled buffers: a range answer of a batch
    /// runs to megabytes, and holding it as text too would double what each request allocates. Anything else (a
    /// proxy's error page) is read as text for the message.
    /// </summary>
    private async Task<JsonDocument> ParseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var failure = response.IsSuccessStatusCode ? PrometheusFailure.BadResponse : Failure(response.StatusCode);
        try
        {
            if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
            {
                await using var stream = new HeadRecordingStream(await response.Content.ReadAsStreamAsync(cancellationToken));
                try
                {
                    return await JsonDocument.ParseAsync(stream, default, cancellationToken);
                }
                catch (JsonException e)
                {
                    throw new PrometheusException(failure, $"{Who} answered HTTP {(int)response.StatusCode} with a body that is not its JSON: {Shorten(stream.Head)}", e);
                }
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.BadRequest && body.Contains("auth token", StringComparison.OrdinalIgnoreCase))
            {
                // vmauth before 1.80 (Debian's 1.79) refuses an unknown token with 400 and this text, not with 401.
                throw Unauthorized($"HTTP 400: {Shorten(body.Trim())}");
            }

            try
            {
                return JsonDocument.Parse(body);
            }
            catch (JsonException e)
            {
                throw new PrometheusException(failure, $"{Who} answered HTTP {(int)response.StatusCode} with a body that is not its JSON: {Shorten(body)}", e);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable, $"the answer of {Shown} broke off: {e.Message}", e);
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

    /// <summary>The start of an answer, for a message, without the source's secrets (a proxy may echo them).</summary>
    private string Shorten(string body)
    {
        body = Hide(body);
        return body.Length <= 200 ? body : body[..200] + "…";
    }

    private string Hide(string text) => credentials?.Hide(text) ?? text;

    private PrometheusException Unauthorized(string answered) => new(PrometheusFailure.Unauthorized,
        $"unauthorized: {Shown} answered {answered}; check the credentials in {source?.Setting ?? "Prometheus"} (BearerToken, BasicAuth, Tls:CertFile)");

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

/// <summary>Passes a response body through and keeps its first bytes, so an answer that is not JSON can still be quoted.</summary>
internal sealed class HeadRecordingStream(Stream inner) : Stream
{
    private const int Keep = 256;
    private readonly byte[] _head = new byte[Keep];
    private int _kept;

    /// <summary>The first bytes read, as text.</summary>
    public string Head => System.Text.Encoding.UTF8.GetString(_head, 0, _kept);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Record(buffer.Span[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Record(buffer.AsSpan(offset, read));
        return read;
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        var take = Math.Min(bytes.Length, Keep - _kept);
        bytes[..take].CopyTo(_head.AsSpan(_kept));
        _kept += take;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
