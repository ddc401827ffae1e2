using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Slo.Api.Hosting;
using Slo.Api.Ledger;
using Slo.Api.Prometheus;
using Slo.Api.Storage;

namespace Slo.Tests.Integration;

/// <summary>A <see cref="LedgerBook"/> wired as the host wires it (resilient client, SQLite store with its migrations),
/// without the host, and a log of every request it sends to Prometheus.</summary>
internal sealed class TestLedgers : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private TestLedgers(ServiceProvider provider, RequestLog log)
    {
        _provider = provider;
        Log = log;
    }

    public LedgerBook Book => _provider.GetRequiredService<LedgerBook>();
    public PrometheusCost Cost => _provider.GetRequiredService<PrometheusCost>();
    public RequestLog Log { get; }

    /// <param name="directory">Holds the SQLite file; a second instance over the same folder is a restart.</param>
    public static async Task<TestLedgers> StartAsync(Uri prometheus, string directory, params (string Key, string Value)[] settings)
    {
        Directory.CreateDirectory(directory);
        var values = new Dictionary<string, string?>
        {
            ["Prometheus:Url"] = prometheus.ToString(),
            ["Prometheus:AttemptTimeout"] = "00:00:20",
            ["Prometheus:TotalTimeout"] = "00:00:40",
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory, "slo.db")}",
        };
        foreach (var (key, value) in settings)
            values[key] = value;
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var log = new RequestLog();
        var services = new ServiceCollection().AddLogging().AddSloOptions(config).AddPrometheusClient(config).AddSloStorage();
        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton<LedgerBook>();
        foreach (var source in config.GetSection("Prometheus:Sources").GetChildren().Select(c => c.Key).Prepend("default"))
            services.AddHttpClient(PrometheusSources.HttpClientName(source)).AddHttpMessageHandler(() => new RecordingHandler(log));
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<MigrationRunner>().MigrateAsync(CancellationToken.None);
        return new TestLedgers(provider, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>The form of every request: path and parameters.</summary>
    internal sealed class RequestLog
    {
        private readonly List<(string Path, IReadOnlyDictionary<string, string> Form)> _requests = [];

        public IReadOnlyList<(string Path, IReadOnlyDictionary<string, string> Form)> Requests
        {
            get
            {
                lock (_requests)
                    return _requests.ToArray();
            }
        }

        public void Clear()
        {
            lock (_requests)
                _requests.Clear();
        }

        public void Add(string path, IReadOnlyDictionary<string, string> form)
        {
            lock (_requests)
                _requests.Add((path, form));
        }
    }

    private sealed class RecordingHandler(RequestLog log) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? request.RequestUri!.Query.TrimStart('?') : await request.Content.ReadAsStringAsync(cancellationToken);
            var form = body.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .GroupBy(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')))
                .ToDictionary(g => g.Key, g => Uri.UnescapeDataString(g.First().ElementAtOrDefault(1)?.Replace('+', ' ') ?? ""));
            log.Add(request.RequestUri!.AbsolutePath, form);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
