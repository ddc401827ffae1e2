using System.ComponentModel.DataAnnotations;

namespace Slo.Api.Prometheus;

/// <summary>How to authenticate to a Prometheus-compatible server and trust it: what the default source
/// (<c>Prometheus:</c>) and every named source (<c>Prometheus:Sources:NAME:</c>) take.</summary>
public abstract class PrometheusConnectionOptions
{
    /// <summary>Sent as <c>Authorization: Bearer ...</c>. A secret: never logged or shown.</summary>
    public string? BearerToken { get; set; }

    /// <summary>A file holding the bearer token (surrounding white space ignored), read again whenever it changes.</summary>
    public string? BearerTokenFile { get; set; }

    public BasicAuthOptions? BasicAuth { get; set; }

    /// <summary>Headers sent with every request, e.g. <c>X-Scope-OrgID</c> for a Mimir, Cortex or Loki tenant. Their
    /// values are treated as secrets (some proxies take keys in headers).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public TlsOptions? Tls { get; set; }
}

/// <summary><c>BasicAuth:Username</c> with <c>Password</c> or <c>PasswordFile</c>.</summary>
public sealed class BasicAuthOptions
{
    public string? Username { get; set; }

    /// <summary>A secret: never logged or shown.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password (a trailing line break ignored), read again whenever it changes.</summary>
    public string? PasswordFile { get; set; }
}

/// <summary>How an https source is trusted and which client certificate it is shown.</summary>
public sealed class TlsOptions
{
    /// <summary>PEM file of the certificate authorities that sign the server's certificate (instead of the system's).</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate, with <see cref="KeyFile"/>; both read again whenever they change.</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>Accepts any server certificate. For tests only: anyone on the way can read the credentials.</summary>
    public bool InsecureSkipVerify { get; set; }
}

/// <summary>One named source, <c>Prometheus:Sources:NAME</c>; timeouts and retries default to the <c>Prometheus:</c> ones.</summary>
public sealed class PrometheusSourceOptions : PrometheusConnectionOptions
{
    public Uri? Url { get; set; }

    public TimeSpan? AttemptTimeout { get; set; }

    public TimeSpan? TotalTimeout { get; set; }

    public int? MaxRetries { get; set; }
}

/// <summary>The <c>Prometheus</c> configuration section: the default source, and the named ones under <c>Sources</c>.</summary>
public sealed class PrometheusOptions : PrometheusConnectionOptions
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

    /// <summary>Concurrent requests the worker may have open against Prometheus, every source together.</summary>
    [Range(1, 256)]
    public int MaxConcurrentQueries { get; set; } = 8;

    /// <summary>Named sources that definitions pick with <c>source: NAME</c> (OpenSLO: the DataSource's name).</summary>
    public Dictionary<string, PrometheusSourceOptions> Sources { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every source with its settings resolved: the default one (<c>Prometheus:Url</c>) first.</summary>
    public IReadOnlyList<PrometheusSource> Resolve()
    {
        var sources = new List<PrometheusSource>
        {
            new(Engine.Definitions.Objective.DefaultSource, Section, Url, this, AttemptTimeout, TotalTimeout, MaxRetries),
        };
        foreach (var (name, source) in Sources.OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase))
        {
            sources.Add(new PrometheusSource(name, $"{Section}:Sources:{name}", source.Url, source,
                source.AttemptTimeout ?? AttemptTimeout, source.TotalTimeout ?? TotalTimeout, source.MaxRetries ?? MaxRetries));
        }

        return sources;
    }
}

/// <summary>One source as the service uses it.</summary>
/// <param name="Name">What definitions call it (<c>default</c> for <c>Prometheus:Url</c>); shown in messages and metrics.</param>
/// <param name="Setting">Its configuration path, for messages: <c>Prometheus</c> or <c>Prometheus:Sources:NAME</c>.</param>
public sealed record PrometheusSource(
    string Name, string Setting, Uri? Url, PrometheusConnectionOptions Connection, TimeSpan AttemptTimeout, TimeSpan TotalTimeout, int MaxRetries)
{
    /// <summary>How messages name it: the name, and the address without user information.</summary>
    public string Shown => Name == Engine.Definitions.Objective.DefaultSource
        ? $"Prometheus at {PrometheusClient.Redact(Url)}"
        : $"Prometheus source '{Name}' at {PrometheusClient.Redact(Url)}";
}
