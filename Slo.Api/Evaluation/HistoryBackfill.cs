using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Slo.Api.Definitions;
using Slo.Api.Hosting;
using Slo.Api.Ledger;
using Slo.Api.Storage;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Ledger;
using Slo.Engine.Time;

namespace Slo.Api.Evaluation;

/// <summary>The <c>History</c> configuration section.</summary>
public sealed class HistoryOptions : IValidatableObject
{
    public const string Section = "History";

    /// <summary>Fill the history of a fresh install by evaluating past instants.</summary>
    public bool Backfill { get; set; } = true;

    /// <summary>The spacing of backfilled evaluations.</summary>
    public string BackfillStep { get; set; } = "1h";

    /// <summary>Backfill evaluations in flight at once (they yield to the regular cycle by staying few).</summary>
    [Range(1, 32)]
    public int BackfillConcurrency { get; set; } = 2;

    public Duration GetBackfillStep() => DurationText.Parse(BackfillStep);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!DurationText.TryParse(BackfillStep, out var step, out var error))
            yield return new ValidationResult($"History:BackfillStep: {error}", [nameof(BackfillStep)]);
        else if (step < Duration.FromMinutes(1))
            yield return new ValidationResult("History:BackfillStep must be at least 1m.", [nameof(BackfillStep)]);
    }
}

/// <summary>
/// A fresh install has no history, so burn-down charts would start today. After the first cycle this extends each
/// objective's ledger back by one more period (one more pass over its window, in coarse buckets), then evaluates the
/// objective at past instants (every <see cref="HistoryOptions.BackfillStep"/> back to its window's start) as sums
/// over the ledger, like <c>?at=</c> backtesting, skipping instants already covered, and stores the results.
/// </summary>
public sealed class HistoryBackfill(
    DefinitionCatalog catalog,
    LedgerBook ledgers,
    EvaluationHistory history,
    StatusBoard board,
    IClock clock,
    IOptions<HistoryOptions> options,
    Cluster.ClusterMembership cluster,
    ILogger<HistoryBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Backfill)
            return;
        try
        {
            while (!board.Ready)
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            var now = clock.Now();
            var step = options.Value.GetBackfillStep();
            var total = 0;
            // A batch of objectives at a time: their ledgers are extended in shared requests, and the worker's cycle
            // never waits long for the ledger.
            await Parallel.ForEachAsync(
                // With several replicas, each fills in the history of the objectives it evaluates (BackfillAsync keeps those).
                catalog.Current.Objectives.Where(o => cluster.Owns(o.Id)).Chunk(25),
                new ParallelOptions { MaxDegreeOfParallelism = options.Value.BackfillConcurrency, CancellationToken = stoppingToken },
                async (batch, token) => Interlocked.Add(ref total, await BackfillAsync(batch, now, step, token)));
            logger.LogInformation("History backfill stored {Count} past evaluations", total);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Evaluates each objective at each missing past instant of its window; returns how many were stored.
    /// Never throws but for cancellation: a failure costs these objectives their backfill, not the service.</summary>
    public async Task<int> BackfillAsync(IReadOnlyCollection<Objective> objectives, Instant now, Duration step, CancellationToken cancellationToken)
    {
        try
        {
            // With several replicas, only the one evaluating an objective writes its history.
            objectives = objectives.Where(o => cluster.Owns(o.Id)).ToArray();
            var failures = await ledgers.SyncAsync(objectives, now, o => LedgerMeasurement.RetainFrom(o, now), cancellationToken);
            var count = 0;
            foreach (var objective in objectives)
            {
                if (failures.TryGetValue(objective.Id, out var failure))
                {
                    logger.LogWarning("Backfilling {Objective} failed: {Error}", objective.Id, failure.Message);
                    continue;
                }

                var start = objective.Window.ElapsedAt(now).Start;
                var stored = await history.InstantsAsync(objective.Id, start, now, cancellationToken);
                var stepMs = (long)step.TotalMilliseconds;
                var instants = new List<Instant>();
                // Whole multiples of the step, newest first, back to where the ledger reaches.
                for (var ms = (now.ToUnixTimeMilliseconds() - 1) / stepMs * stepMs; ms > start.ToUnixTimeMilliseconds(); ms -= stepMs)
                {
                    var at = Instant.FromUnixTimeMilliseconds(ms);
                    if (!Covered(stored, at, step / 2))
                        instants.Add(at);
                }

                var records = ledgers.MeasureEach(objective, instants)
                    .Select(m => HistoryRecord.From(ObjectiveEvaluator.Evaluate(objective, m.At, m.Measurement), m.At))
                    .ToArray();
                await history.RecordAsync(records, cancellationToken);
                count += records.Length;
            }

            await ledgers.SaveAsync(cancellationToken);
            return count;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Backfilling the history of {Objectives} failed", string.Join(", ", objectives.Select(o => o.Id)));
            return 0;
        }
    }

    private static bool Covered(IReadOnlyList<Instant> sorted, Instant at, Duration tolerance)
    {
        var lo = 0;
        var hi = sorted.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < at - tolerance)
                lo = mid + 1;
            else if (sorted[mid] > at + tolerance)
                hi = mid - 1;
            else
                return true;
        }

        return false;
    }
}
