using Slo.Api.Alerting;
using Slo.Api.Corrections;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Gate;
using Slo.Api.Hosting;
using Slo.Engine.Evaluation;

namespace Slo.Api.Cluster;

/// <summary>
/// What replicas share through the database besides the leases: each publishes the statuses it evaluated, and reads,
/// three times per lease length, the statuses the others published, their alert states, the corrections and the gate
/// overrides posted to any of them. So every replica serves every answer, and serves the same figures. Idle with
/// clustering off.
/// </summary>
public sealed class SharedState(
    StatusStore store,
    StatusBoard board,
    DefinitionCatalog catalog,
    ClusterMembership cluster,
    AlertTracker alerts,
    CorrectionBook corrections,
    GateService gates,
    IClock clock,
    ILogger<SharedState> logger) : BackgroundService
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly Dictionary<string, Instant> _imported = new(StringComparer.Ordinal);
    private Instant _since = Instant.MinValue;

    /// <summary>Statuses read and put on this replica's board so far.</summary>
    public long Imported { get; private set; }

    /// <summary>Writes the statuses this replica evaluated, for the others.</summary>
    public Task PublishAsync(IReadOnlyCollection<ObjectiveStatus> statuses, CancellationToken cancellationToken) =>
        cluster.Enabled && statuses.Count > 0 ? store.WriteAsync(statuses, cluster.ReplicaId, clock.Now(), cancellationToken) : Task.CompletedTask;

    /// <summary>Reads what the other replicas wrote since the last time.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!cluster.Enabled)
            return;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var now = clock.Now();
            // Which rows changed first, then the bodies of those this replica has not read yet.
            var fresh = (await store.ChangedSinceAsync(_since, cluster.ReplicaId, cancellationToken))
                .Where(r => !cluster.Owns(r.ObjectiveId) && (!_imported.TryGetValue(r.ObjectiveId, out var seen) || seen < r.WrittenAt))
                .Select(r => r.ObjectiveId)
                .ToArray();
            foreach (var row in await store.ReadAsync(fresh, cancellationToken))
            {
                if (cluster.Owns(row.ObjectiveId) || catalog.Current.Find(row.ObjectiveId) is not { } objective)
                    continue;
                try
                {
                    board.RecordSuccess(SharedStatus.Read(objective, row.Body));
                    _imported[row.ObjectiveId] = row.WrittenAt;
                    Imported++;
                }
                catch (System.Text.Json.JsonException e)
                {
                    logger.LogWarning("The status of {Objective} written by replica {Replica} cannot be read: {Error}", row.ObjectiveId, row.ReplicaId, e.Message);
                }
            }

            // Rows are read again for a while: a transaction begun before this read may commit with an older written_at,
            // and clocks of replicas on several machines differ a little.
            _since = now - cluster.LeaseDuration * 2;
            await alerts.RefreshAsync(id => !cluster.Owns(id), cancellationToken);
            await corrections.RefreshAsync(cancellationToken);
            await gates.LoadAsync(cancellationToken);
        }
        finally
        {
            _refresh.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!cluster.Enabled)
            return;
        var every = (cluster.LeaseDuration / 3).ToTimeSpan();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                await Task.Delay(every, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning("Reading the other replicas' statuses failed: {Error}", e.Message);
                await Task.Delay(every, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
