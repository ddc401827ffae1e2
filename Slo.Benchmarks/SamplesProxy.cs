using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Slo.Benchmarks;

/// <summary>What went through the proxy: requests by endpoint, and the samples Prometheus said the queries read.</summary>
internal readonly record struct ProxyCounts(long Queries, long RangeQueries, long Other, long Failed, long Samples)
{
    public long Requests => Queries + RangeQueries + Other;

    public static ProxyCounts operator -(ProxyCounts a, ProxyCounts b) =>
        new(a.Queries - b.Queries, a.RangeQueries - b.RangeQueries, a.Other - b.Other, a.Failed - b.Failed, a.Samples - b.Samples);
}

/// <summary>
/// A loopback HTTP proxy between the service and Prometheus that measures what the service costs Prometheus,
/// without touching the service: it adds <c>stats=all</c> to every /api/v1/query and /api/v1/query_range request
/// (query string or form body) that lacks it and sums <c>data.stats.samples.totalQueryableSamples</c> from the
/// answers, which it passes on unchanged (the extra <c>stats</c> member included). Other requests (label values,
/// readiness) are passed through and counted, without samples.
/// </summary>
internal sealed class SamplesProxy : IAsyncDisposable
{
    private static readonly byte[] SamplesProperty = Encoding.UTF8.GetBytes("totalQueryableSamples");
    private readonly WebApplication _app;
    private readonly HttpClient _prometheus;
    private long _queries, _rangeQueries, _other, _failed, _samples;

    private SamplesProxy(Uri prometheus)
    {
        _app = LoopbackApp.Create();
        _prometheus = new HttpClient { BaseAddress = prometheus, Timeout = Timeout.InfiniteTimeSpan };
        _app.Run(ForwardAsync);
    }

    public Uri Url => _app.Url();

    public ProxyCounts Counts => new(
        Interlocked.Read(ref _queries), Interlocked.Read(ref _rangeQueries), Interlocked.Read(ref _other), Interlocked.Read(ref _failed), Interlocked.Read(ref _samples));

    public static async Task<SamplesProxy> StartAsync(Uri prometheus)
    {
        var proxy = new SamplesProxy(prometheus);
        await proxy._app.StartAsync();
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        switch (request.Path.Value)
        {
            case "/api/v1/query": Interlocked.Increment(ref _queries); break;
            case "/api/v1/query_range": Interlocked.Increment(ref _rangeQueries); break;
            default: Interlocked.Increment(ref _other); break;
        }

        try
        {
            using var forward = await ForwardedAsync(request, context.RequestAborted);
            using var response = await _prometheus.SendAsync(forward, context.RequestAborted);
            var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            if (!response.IsSuccessStatusCode)
                Interlocked.Increment(ref _failed);
            else if (IsMeasured(request))
                Interlocked.Add(ref _samples, QueryableSamples(answer));

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await context.Response.Body.WriteAsync(answer, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            // Prometheus unreachable, or the service gave up on the query (its timeout): no answer, no samples.
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
        }
    }

    private static bool IsMeasured(HttpRequest request) => request.Path.Value is "/api/v1/query" or "/api/v1/query_range";

    /// <summary>The request to send to Prometheus: the same, plus stats=all on queries that lack it.</summary>
    private static async Task<HttpRequestMessage> ForwardedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = request.QueryString.Value ?? "";
        if (HttpMethods.IsPost(request.Method))
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(cancellationToken);
            if (IsMeasured(request) && !HasStats(body))
                body += (body.Length > 0 ? "&" : "") + "stats=all";
            var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/x-www-form-urlencoded");
            return new HttpRequestMessage(HttpMethod.Post, request.Path.Value!.TrimStart('/') + query) { Content = content };
        }

        if (IsMeasured(request) && !HasStats(query))
            query += (query.Length > 0 ? "&" : "?") + "stats=all";
        return new HttpRequestMessage(new HttpMethod(request.Method), request.Path.Value!.TrimStart('/') + query);
    }

    /// <summary>Whether a form body or query string already asks for stats (the service may ask itself).</summary>
    private static bool HasStats(string form) =>
        form.StartsWith("stats=", StringComparison.Ordinal) || form.StartsWith("?stats=", StringComparison.Ordinal) || form.Contains("&stats=", StringComparison.Ordinal);

    /// <summary>The first <c>totalQueryableSamples</c> of the answer, found by a reader rather than a parsed document: answers can be large.</summary>
    private static long QueryableSamples(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(SamplesProperty) && reader.Read() && reader.TryGetInt64(out var samples))
                return samples;
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _prometheus.Dispose();
    }
}
