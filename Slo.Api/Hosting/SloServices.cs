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

    /// <summary>The Prometheus client with timeouts per attempt and in total, jittered retries and a circuit breaker.</summary>
    public static IServiceCollection AddPrometheusClient(this IServiceCollection services)
    {
        services
            .AddHttpClient<PrometheusClient>((sp, http) =>
            {
                var url = sp.GetRequiredService<IOptions<PrometheusOptions>>().Value.Url.ToString();
                http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
                // The resilience pipeline owns every timeout.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            // Long-lived client (the measurer is a singleton): rotate connections rather than handlers.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            {
                var options = sp.GetRequiredService<IOptions<PrometheusOptions>>().Value;
                resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
                resilience.Retry.MaxRetryAttempts = Math.Max(1, options.MaxRetries);
                resilience.Retry.ShouldRetryAfterHeader = false;
                if (options.MaxRetries == 0)
                    resilience.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.UseJitter = true;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 2 * options.AttemptTimeout.Ticks));
                resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
            });
        services.AddSingleton<PrometheusCost>();
        return services;
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

/// <summary>Rules between Prometheus settings that attributes cannot express.</summary>
internal sealed class PrometheusOptionsValidator : IValidateOptions<PrometheusOptions>
{
    public ValidateOptionsResult Validate(string? name, PrometheusOptions options)
    {
        if (!options.Url.IsAbsoluteUri || options.Url.Scheme is not ("http" or "https"))
            return ValidateOptionsResult.Fail($"Prometheus:Url '{Prometheus.PrometheusClient.Redact(options.Url)}' must be an absolute http(s) URL.");
        if (options.TotalTimeout < options.AttemptTimeout)
            return ValidateOptionsResult.Fail("Prometheus:TotalTimeout must be at least Prometheus:AttemptTimeout.");
        return ValidateOptionsResult.Success;
    }
}

/// <summary>Applies migrations before anything else touches the database.</summary>
internal sealed class StorageInitializer(MigrationRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
