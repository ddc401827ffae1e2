using Slo.Api.Hosting;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Slo.Api.Definitions;
using Slo.Api.Ledger;
using Slo.Api.Prometheus;
using Slo.Api.Storage;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Ledger;

namespace Slo.Api.Evaluation;

/// <summary>
/// Evaluates every objective right at start-up and then every <see cref="EvaluationOptions.Interval"/>: brings the
/// event ledgers up to date (only the buckets they lack, and the youngest again), evaluates each objective as sums over
/// its ledger, publishes the statuses on the <see cref="StatusBoard"/>, records them in the history and stores the
/// ledgers. One objective failing, Prometheus going away or the database refusing a write never stops the loop.
/// </summary>
public sealed class EvaluationWorker(
    DefinitionCatalog catalog,
    LedgerBook ledgers,
    PrometheusCost cost,
    StatusBoard board,
    EvaluationHistory history,
    IClock clock,
    IOptions<EvaluationOptions> evaluationOptions,
    IOptions<StorageOptions> storageOptions,
    Metrics.SloMetrics metrics,
    Alerting.AlertTracker alerts,
    Corrections.CorrectionBook corrections,
    Cluster.ClusterMembership cluster,
    Cluster.SharedState shared,
    ILogger<EvaluationWorker> logger) : BackgroundService
{
    private static readonly Duration PruneEvery = Duration.FromHours(1);
    private Instant _lastPrune = Instant.MinValue;
    private Instant? _lastRecorded;

    // Released to start the next cycle before the interval is over (the definitions changed).
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Starts the next cycle now rather than at the end of the interval (a cycle running goes on; one more follows it).</summary>
    public void RequestCycle()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A cycle is requested already.
        }
    }

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

            MemoryRelease.Now();
            var wait = interval - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await _wake.WaitAsync(wait, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Evaluates <paramref name="objectives"/> again at the last cycle's instant, from their ledgers (no Prometheus
    /// request): after a correction changed, the budgets it touches are right at once. Objectives without fresh numbers
    /// wait for the next cycle.
    /// </summary>
    public void Reevaluate(IEnumerable<Objective> objectives)
    {
        if (board.LastCycle is not { } cycle)
            return;
        foreach (var objective in objectives.Where(o => cluster.Owns(o.Id)))
        {
            if (board.Get(objective.Id) is not { State: ObjectiveState.Ok or ObjectiveState.NoData } current || current.EvaluatedAt != cycle.At)
                continue;
            try
            {
                board.RecordSuccess(ObjectiveEvaluator.Evaluate(objective, cycle.At, ledgers.Measure(objective, cycle.At)));
            }
            catch (LedgerGapException)
            {
                // The next cycle measures it.
            }
        }
    }

    /// <summary>Evaluates every objective once, at the clock's current instant.</summary>
    public async Task<CycleSummary> RunCycleAsync(CancellationToken cancellationToken)
    {
        // The alert states of the last run must be in memory before this cycle can start or end an incident.
        await alerts.EnsureLoadedAsync(cancellationToken);
        // So are the corrections posted through the API: every figure leaves their periods out.
        await corrections.EnsureLoadedAsync(cancellationToken);
        // With several replicas: this cycle evaluates the objectives of the shards this replica holds now.
        if (cluster.Enabled)
            await BalanceAsync(cancellationToken);
        var at = clock.Now();
        var started = Stopwatch.GetTimestamp();
        var (requestsBefore, samplesBefore) = (cost.Requests, cost.SamplesRead);
        IReadOnlyList<Objective> objectives = cluster.Enabled ? catalog.Current.Objectives.Where(o => cluster.Owns(o.Id)).ToArray() : catalog.Current.Objectives;
        IReadOnlyDictionary<ObjectiveId, Exception> failures;
        try
        {
            failures = await ledgers.SyncAsync(objectives, at, o => LedgerMeasurement.NeedFrom(o, at), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Bringing the event ledgers up to date failed");
            failures = objectives.ToDictionary(o => o.Id, _ => e);
        }

        var statuses = new List<ObjectiveStatus>(objectives.Count);
        var failed = 0;
        foreach (var objective in objectives)
        {
            try
            {
                if (failures.TryGetValue(objective.Id, out var failure))
                    throw failure;
                statuses.Add(board.RecordSuccess(ObjectiveEvaluator.Evaluate(objective, at, ledgers.Measure(objective, at))));
            }
            catch (Exception e)
            {
                failed++;
                metrics.RecordFailure(e switch
                {
                    PrometheusException p => p.FailureName,
                    DefinitionMismatchException => "definition_mismatch",
                    LedgerGapException => "ledger_gap",
                    _ => "internal",
                });
                var expected = e is PrometheusException or DefinitionMismatchException or LedgerGapException;
                var reason = expected ? e.Message : $"internal error: {e.Message}";
                if (!expected)
                    logger.LogError(e, "Evaluating {Objective} failed", objective.Id);
                else
                    logger.LogWarning("Evaluating {Objective} failed: {Reason}", objective.Id, reason);
                statuses.Add(board.RecordFailure(objective, at, reason));
            }
        }

        try
        {
            await ledgers.SaveAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The counts stay in memory and are written whole at the next save.
            logger.LogError(e, "Storing the event ledgers failed");
        }

        if (cluster.Enabled)
            statuses = await PublishAsync(statuses, cancellationToken);
        await RecordAsync(statuses, at, cancellationToken);
        try
        {
            await alerts.ApplyAsync(statuses, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Updating the alert states failed");
        }

        var summary = new CycleSummary(at, Duration.FromTimeSpan(Stopwatch.GetElapsedTime(started)), objectives.Count, failed)
        {
            Queries = cost.Requests - requestsBefore,
            SamplesRead = cost.SamplesRead - samplesBefore,
        };
        board.CompleteCycle(summary, statuses.ToArray());
        return summary;
    }

    /// <summary>
    /// With several replicas, before a cycle: the ledgers and alert states of shards taken over continue from what their
    /// last holder stored, and the ledgers of objectives held elsewhere leave memory.
    /// </summary>
    private async Task BalanceAsync(CancellationToken cancellationToken)
    {
        Cluster.ShardChange change;
        try
        {
            change = await cluster.BalanceAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without the database no shard changes hands: evaluate those held, whose leases may still run.
            logger.LogError(e, "Balancing the shards failed; evaluating the {Count} shards held", cluster.Owned.Count);
            return;
        }

        var acquired = change.Acquired.Count > 0 ? new HashSet<int>(change.Acquired) : null;
        var taken = acquired is null ? [] : catalog.Current.Objectives.Where(o => acquired.Contains(cluster.ShardOf(o.Id))).Select(o => o.Id).ToArray();
        await ledgers.HandOverAsync(id => cluster.Owns(id) && acquired?.Contains(cluster.ShardOf(id)) != true, taken, cancellationToken);
        if (acquired is not null)
            await alerts.RefreshAsync(id => acquired.Contains(Cluster.ShardMap.ShardOf(catalog.Current, id, cluster.Shards)), cancellationToken);
    }

    /// <summary>
    /// With several replicas, after a cycle: the statuses of the shards still held go to SQL for the other replicas;
    /// those of a shard lost meanwhile (this replica stalled past its lease) are dropped, since another replica holds it.
    /// </summary>
    private async Task<List<ObjectiveStatus>> PublishAsync(List<ObjectiveStatus> statuses, CancellationToken cancellationToken)
    {
        var kept = statuses;
        try
        {
            var held = await cluster.ConfirmAsync(cancellationToken);
            kept = statuses.Where(s => held.Contains(cluster.ShardOf(s.Id))).ToList();
            await shared.PublishAsync(kept, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Publishing the statuses for the other replicas failed");
        }

        return kept;
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
                // The ledger's archive of past periods (what reports read) is kept as long as the history.
                await ledgers.PruneArchiveAsync(at - Duration.FromDays(storage.RetentionDays), cancellationToken);
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
