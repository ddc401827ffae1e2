using Microsoft.Extensions.Options;
using Slo.Api.Evaluation;
using Slo.Engine.Definitions;

namespace Slo.Api.Prometheus;

/// <summary>
/// The client of every configured source, by name: the default one (<c>Prometheus:Url</c>, named <c>default</c>) and
/// each <c>Prometheus:Sources:NAME</c>. Each has its own HTTP handler, credentials, timeouts, retries and circuit
/// breaker, so one source failing or refusing the credentials fails only the objectives that read it.
/// </summary>
public sealed class PrometheusSources
{
    private readonly Dictionary<string, PrometheusClient> _clients = new(StringComparer.OrdinalIgnoreCase);

    public PrometheusSources(IOptions<PrometheusOptions> options, IHttpClientFactory factory, PrometheusCost cost, CredentialStore credentials)
    {
        foreach (var source in options.Value.Resolve())
            _clients[source.Name] = new PrometheusClient(factory.CreateClient(HttpClientName(source.Name)), cost, source, credentials.For(source));
    }

    private PrometheusSources(PrometheusClient client) => _clients[Objective.DefaultSource] = client;

    /// <summary>Every objective reads <paramref name="client"/> (tests of one server).</summary>
    public static PrometheusSources Single(PrometheusClient client) => new(client);

    /// <summary>The name of a source's HTTP client in the client factory.</summary>
    public static string HttpClientName(string source) => "prometheus:" + source;

    /// <summary>The configured sources' names.</summary>
    public IReadOnlyCollection<string> Names => _clients.Keys;

    /// <summary>The client of the source <paramref name="objective"/> reads.</summary>
    /// <exception cref="DefinitionMismatchException">No source of that name is configured.</exception>
    public PrometheusClient For(Objective objective) =>
        _clients.TryGetValue(objective.Source ?? Objective.DefaultSource, out var client) ? client : throw new DefinitionMismatchException(Missing(objective));

    /// <summary>Whether the source <paramref name="objective"/> reads is configured (names match without case).</summary>
    public bool Knows(Objective objective) => _clients.ContainsKey(objective.Source ?? Objective.DefaultSource);

    /// <summary>Why each of <paramref name="objectives"/> that names a source the configuration lacks cannot be measured.</summary>
    public IReadOnlyList<(Objective Objective, string Problem)> Unknown(IEnumerable<Objective> objectives) =>
        objectives.Where(o => !Knows(o)).Select(o => (o, Missing(o))).ToArray();

    private static string Missing(Objective objective) =>
        $"{objective.Id} reads source '{objective.Source}'{(objective.DefinedAt is { } at ? $" ({at})" : "")}, which is not configured: " +
        $"set {PrometheusOptions.Section}:Sources:{objective.Source}:Url";
}

/// <summary>The credentials of each source, one instance per source shared by its request handler (which sends them)
/// and its client (which hides them in what it quotes).</summary>
public sealed class CredentialStore(ILoggerFactory loggers)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PrometheusCredentials> _bySource = new(StringComparer.OrdinalIgnoreCase);

    public PrometheusCredentials For(PrometheusSource source) =>
        _bySource.GetOrAdd(source.Name, _ => new PrometheusCredentials(source, loggers.CreateLogger<PrometheusSources>()));
}
