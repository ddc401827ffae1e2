using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Prometheus;
using Slo.Api.Storage;

namespace Slo.Api.Hosting;

/// <summary>Composition of the service: each method adds one concern, so Program reads like a table of contents.</summary>
public static class SloServices
{
    /// <summary>Options, validated at start-up so a bad setting stops the service with a message naming it.</summary>
    public static IServiceCollection AddSloOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidated<PrometheusOptions>(configuration, PrometheusOptions.Section);
        services.AddValidated<EvaluationOptions>(configuration, EvaluationOptions.Section);
        services.AddValidated<StorageOptions>(configuration, StorageOptions.Section);
        services.AddValidated<DefinitionsOptions>(configuration, DefinitionsOptions.Section);
        services.AddValidated<HistoryOptions>(configuration, HistoryOptions.Section);
        services.AddValidated<Ledger.LedgerOptions>(configuration, Ledger.LedgerOptions.Section);
        services.AddValidated<Alerting.AlertingOptions>(configuration, Alerting.AlertingOptions.Section);
        services.AddValidated<Api.ApiOptions>(configuration, Api.ApiOptions.Section);
        services.AddValidated<Cluster.ClusterOptions>(configuration, Cluster.ClusterOptions.Section);
        services.AddSingleton<IValidateOptions<PrometheusOptions>, PrometheusOptionsValidator>();
        return services;
    }

    private static void AddValidated<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class =>
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();

    /// <summary>
    /// One Prometheus client per source (the default one and each <c>Prometheus:Sources:NAME</c>): each its own HTTP
    /// handler (TLS), timeouts per attempt and in total, jittered retries, circuit breaker, and credentials added to
    /// every attempt. The source names are read from <paramref name="configuration"/> here, their settings (validated)
    /// when the clients are built.
    /// </summary>
    public static IServiceCollection AddPrometheusClient(this IServiceCollection services, IConfiguration configuration)
    {
        var names = configuration.GetSection($"{PrometheusOptions.Section}:Sources").GetChildren().Select(c => c.Key)
            .Prepend(Engine.Definitions.Objective.DefaultSource)
            .Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            var client = services
                .AddHttpClient(PrometheusSources.HttpClientName(name), (sp, http) =>
                {
                    var url = Source(sp, name).Url!.ToString();
                    http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
                    // The resilience pipeline owns every timeout.
                    http.Timeout = Timeout.InfiniteTimeSpan;
                })
                // Long-lived clients: rotate connections rather than handlers.
                .ConfigurePrimaryHttpMessageHandler(sp => PrometheusConnection.PrimaryHandler(Source(sp, name), Logger(sp)))
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
            client.AddStandardResilienceHandler()
                .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
                {
                    var source = Source(sp, name);
                    resilience.AttemptTimeout.Timeout = source.AttemptTimeout;
                    resilience.TotalRequestTimeout.Timeout = source.TotalTimeout;
                    resilience.Retry.MaxRetryAttempts = Math.Max(1, source.MaxRetries);
                    resilience.Retry.ShouldRetryAfterHeader = false;
                    if (source.MaxRetries == 0)
                        resilience.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
                    resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                    resilience.Retry.UseJitter = true;
                    resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
                    resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 2 * source.AttemptTimeout.Ticks));
                    resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
                });
            // Inside the retries: every attempt carries the credentials as they are now (a rotated token file).
            client.AddHttpMessageHandler(sp => new PrometheusAuthHandler(sp.GetRequiredService<CredentialStore>().For(Source(sp, name))));
        }

        services.AddSingleton<PrometheusCost>();
        services.AddSingleton<CredentialStore>();
        services.AddSingleton<PrometheusSources>();
        return services;

        static PrometheusSource Source(IServiceProvider sp, string name) =>
            sp.GetRequiredService<IOptions<PrometheusOptions>>().Value.Resolve().Single(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

        static ILogger Logger(IServiceProvider sp) => sp.GetRequiredService<ILoggerFactory>().CreateLogger("Slo.Api.Prometheus.PrometheusSources");
    }

    /// <summary>SQL storage: provider from <c>Storage:Provider</c>, migrations applied at start-up.</summary>
    public static IServiceCollection AddSloStorage(this IServiceCollection services)
    {
        services.AddSingleton(sp => SqlDatabase.From(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<EvaluationHistory>();
        services.AddSingleton<Ledger.LedgerStore>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }

    /// <summary>Definitions, the status board and the evaluation worker.</summary>
    public static IServiceCollection AddSloEvaluation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton<DefinitionCatalog>();
        services.AddSingleton<StatusBoard>();
        services.AddSingleton<Ledger.LedgerBook>();
        services.AddSingleton<EvaluationWorker>();
        services.AddSingleton(_ => global::Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<Metrics.SloMetrics>();
        services.AddSingleton<HistoryBackfill>();
        services.AddSingleton<Cluster.LeaseStore>();
        services.AddSingleton<Cluster.StatusStore>();
        services.AddSingleton<Cluster.ClusterMembership>();
        services.AddSingleton<Cluster.SharedState>();
        // Reloads (SIGHUP, POST /-/reload, file changes) and the groups of grouped objectives; the discovery starts
        // before the worker, so the first cycle evaluates the groups already found.
        services.AddSingleton<DefinitionReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<DefinitionReloader>());
        services.AddSingleton<GroupDiscovery>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupDiscovery>());
        if (configuration.GetValue($"{EvaluationOptions.Section}:Enabled", true))
        {
            // Started before the worker (a replica says it is alive before its first cycle) and stopped after it (its
            // shards are freed once its last cycle is over).
            services.AddHostedService(sp => sp.GetRequiredService<Cluster.ClusterMembership>());
            services.AddHostedService(sp => sp.GetRequiredService<Cluster.SharedState>());
            services.AddHostedService(sp => sp.GetRequiredService<EvaluationWorker>());
            services.AddHostedService(sp => sp.GetRequiredService<HistoryBackfill>());
        }
        return services;
    }
}

/// <summary>Burn-rate alert state and its delivery to Alertmanager and webhooks.</summary>
public static class SloAlertingServices
{
    public static IServiceCollection AddSloAlerting(this IServiceCollection services)
    {
        services.AddSingleton<AlertStateStore>();
        services.AddSingleton<DeliveryClaims>();
        services.AddSingleton<Alerting.AlertTracker>();
        services.AddSingleton<Alerting.AlertDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<Alerting.AlertDispatcher>());
        services.AddHttpClient(Alerting.AlertDispatcher.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(15);
                o.Retry.MaxRetryAttempts = 2;
            });
        return services;
    }
}

/// <summary>The HTTP side: JSON, problem details, OpenAPI, the release gate and its audit trail.</summary>
public static class SloApiServices
{
    /// <summary>Backtests and history reads that run at once; more wait in a queue of <see cref="BacktestQueue"/>.</summary>
    public const int BacktestConcurrency = 4;

    public const int BacktestQueue = 64;

    public static IServiceCollection AddSloApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => Api.ApiJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageExceptionHandler>();
        services.AddOpenApi(o => o.AddSchemaTransformer((schema, context, _) =>
        {
            // Instants travel as ISO-8601 strings.
            var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
            if (type == typeof(Instant))
            {
                schema.Type = Microsoft.OpenApi.JsonSchemaType.String;
                schema.Format = "date-time";
                schema.Properties?.Clear();
            }

            return Task.CompletedTask;
        }));
        services.AddRateLimiter(o =>
        {
            // Backtests (?at=), reports and history ranges may extend a ledger or read much SQL: a few run at once, a queue
            // waits, the rest is told to come back; everything else (status, gate, dashboard) is never limited.
            o.GlobalLimiter = System.Threading.RateLimiting.PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Query.ContainsKey("at") || http.Request.Path.Value?.EndsWith("/history", StringComparison.Ordinal) == true
                || http.Request.Path.Value?.EndsWith("/report", StringComparison.Ordinal) == true
                    ? System.Threading.RateLimiting.RateLimitPartition.GetConcurrencyLimiter("backtest", _ => new System.Threading.RateLimiting.ConcurrencyLimiterOptions
                    {
                        PermitLimit = BacktestConcurrency,
                        QueueLimit = BacktestQueue,
                        QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst,
                    })
                    : System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("other"));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = "1";
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"At most {BacktestConcurrency} backtests (?at=) and history reads run at once and {BacktestQueue} wait; try again in a second.",
                    },
                });
            };
        });
        services.AddSingleton<GateStore>();
        services.AddSingleton<CorrectionStore>();
        services.AddSingleton<Corrections.CorrectionBook>();
        services.AddSingleton<Gate.GateService>();
        services.AddHostedService<Gate.GateAuditWriter>();
        return services;
    }
}

/// <summary>Applies migrations before anything else touches the database.</summary>
internal sealed class StorageInitializer(MigrationRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
