using System.ComponentModel.DataAnnotations;

namespace Slo.Api.Prometheus;

/// <summary>The <c>Prometheus</c> configuration section.</summary>
public sealed class PrometheusOptions
{
    public const string Section = "Prometheus";

    /// <summary>The server's base URL, e.g. http://127.0.0.1:9090 (a path prefix such as /prometheus is kept).</summary>
    [Required]
    public Uri Url { get; set; } = new("http://127.0.0.1:9090");

    /// <summary>How long one attempt may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one call may take, retries included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a timeout, a connection failure or a 5xx answer, with jittered exponential backoff.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>Concurrent requests the worker may have open against Prometheus.</summary>
    [Range(1, 256)]
    public int MaxConcurrentQueries { get; set; } = 8;
}
