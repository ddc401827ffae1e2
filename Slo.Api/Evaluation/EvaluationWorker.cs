using Slo.Api.Hosting;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Slo.Api.Definitions;
using Slo.Api.Prometheus;
using Slo.Api.Storage;
using Slo.Engine.Evaluation;

namespace Slo.Api.Evaluation;

/// <summary>
/// Evaluates every objective right at start-up and then every <see cref="EvaluationOptions.Interval"/>, publishes
/// the statuses on the <see cref="StatusBoard"/> and records them in the history. One objective failing, Prometheus
/// going away or the database refusing a write never stops the loop.
/// </summary>
public sealed class EvaluationWorker(
    DefinitionCatalog catalog,
    ObjectiveMeasurer measurer,
    StatusBoard board,
    EvaluationHistory history,
    IClock clock,
    IOptions<EvaluationOptions> evaluationOptions,
    IOptions<PrometheusOptions> prometheusOptions,
    IOptions<StorageOptions> storageOptions,
    Metrics.SloMetrics metrics,
    Alerting.AlertTracker alerts,
    ILogger<EvaluationWorker> logger) : BackgroundService
{
    private static readonly Duration PruneEvery = Duration.FromHours(1);
    private Instant _lastPrune = Instant.MinValue;
    private Instant? _lastRecorded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = evaluationOptions.Value.GetInterval().ToTimeSpan();
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await RunCycleAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Evaluation cycle failed");
            }

            var wait = interval - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Evaluates every objective once, at the clock's current instant.</summary>
    public async Task<CycleSummary> RunCycleAsync(CancellationToken cancellationToken)
    {
        // The alert states of the last run must be in memory before this cycle can start or end an incident.
        await alerts.EnsureLoadedAsync(cancellationToken);
        var at = clock.Now();
        var started = Stopwatch.GetTimestamp();
        var objectives = catalog.Current.Objectives;
        var statuses = new ConcurrentBag<ObjectiveStatus>();
        var failed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = prometheusOptions.Value.MaxConcurrentQueries, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(objectives, parallel, async (objective, token) =>
        {
            try
            {
                statuses.Add(board.RecordSuccess(await measurer.EvaluateAsync(objective, at, token)));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref failed);
                metrics.RecordFailure(e switch
                {
                    PrometheusException p => p.FailureName,
                    DefinitionMismatchException => "definition_mismatch",
                    _ => "internal",
                });
                var reason = e is PrometheusException or DefinitionMismatchException ? e.Message : $"internal error: {e.Message}";
                if (e is not PrometheusException and not DefinitionMismatchException)
                    logger.LogError(e, "Evaluating {Objective} failed", objective.Id);
                else
                    logger.LogWarning("Evaluating {Objective} failed: {Reason}", objective.Id, reason);
                statuses.Add(board.RecordFailure(objective, at, reason));
            }
        });

        await RecordAsync(statuses, at, cancellationToken);
        try
        {
            await alerts.ApplyAsync(statuses.ToArray(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Updating the alert states failed");
        }

        var summary = new CycleSummary(at, Duration.FromTimeSpan(Stopwatch.GetElapsedTime(started)), objectives.Count, failed);
        board.CompleteCycle(summary, statuses.ToArray());
        return summary;
    }

    private async Task RecordAsync(IEnumerable<ObjectiveStatus> statuses, Instant at, CancellationToken cancellationToken)
    {
        try
        {
            // The first cycle of each hour is marked: those records outlive the thinning of old history.
            var hourly = _lastRecorded is not { } last || last.ToUnixTimeMilliseconds() / 3_600_000 != at.ToUnixTimeMilliseconds() / 3_600_000;
            await history.RecordAsync(statuses.Select(s => HistoryRecord.From(s, at, hourly)).ToArray(), cancellationToken);
            _lastRecorded = at;
            if (at - _lastPrune >= PruneEvery)
            {
                _lastPrune = at;
                var storage = storageOptions.Value;
                var pruned = await history.PruneAsync(at - Duration.FromDays(storage.RetentionDays), at - Duration.FromHours(storage.FullResolutionHours), cancellationToken);
                if (pruned > 0)
                    logger.LogInformation("Deleted {Rows} history rows (older than {Days} days, or not hourly and older than {Hours} hours)", pruned, storage.RetentionDays, storage.FullResolutionHours);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The numbers stay on the board; only their history misses this cycle.
            logger.LogError(e, "Recording the evaluation history failed");
        }
    }
}
