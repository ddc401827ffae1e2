using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Storage;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Alerting;

/// <summary>
/// The life of each alert (burn-rate tiers, SLONoData, SLOBudgetExhaustion): inactive → firing → resolved (and firing again as a new incident). Kept in SQL
/// so that a restart continues the same incident (same start, so Alertmanager sees the same alert, not a new page)
/// and still delivers a resolution it owed. Stale or failed evaluations change nothing: no data is no evidence.
/// </summary>
public sealed class AlertTracker(AlertStateStore store, DefinitionCatalog catalog, StatusBoard board, IClock clock, Cluster.ClusterMembership cluster, ILogger<AlertTracker> logger)
{
    private readonly Dictionary<(string Objective, string Tier), AlertRecord> _records = [];
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile bool _loaded;

    /// <summary>Loads the stored states once, before the first cycle applies anything (else a restart would open new incidents).</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
            return;
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (!_loaded)
                await LoadAsync(cancellationToken);
            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var records = await store.AllAsync(cancellationToken);
        lock (_lock)
        {
            foreach (var r in records)
            {
                _records[(r.ObjectiveId, r.TierKey)] = r;
                if (r.State == AlertRecord.Firing && catalog.Current.Find(r.ObjectiveId) is { } o)
                    board.RestoreFiringSince(o.Id, r.TierKey, r.StartedAt);
            }
        }

        logger.LogInformation("Loaded {Count} alert states ({Firing} firing)", records.Count, records.Count(r => r.State == AlertRecord.Firing));
    }

    /// <summary>
    /// Reads the stored states again and takes those of the objectives <paramref name="replace"/> picks: with several
    /// replicas, each keeps the records of the objectives it evaluates in memory (it alone changes them) and reads the
    /// others' from SQL, and takes over a shard's records from SQL when it takes the shard.
    /// </summary>
    public async Task RefreshAsync(Func<string, bool> replace, CancellationToken cancellationToken)
    {
        var records = await store.AllAsync(cancellationToken);
        lock (_lock)
        {
            foreach (var key in _records.Keys.Where(k => replace(k.Objective)).ToArray())
                _records.Remove(key);
            foreach (var r in records.Where(r => replace(r.ObjectiveId)))
            {
                _records[(r.ObjectiveId, r.TierKey)] = r;
                if (r.State == AlertRecord.Firing && catalog.Current.Find(r.ObjectiveId) is { } o)
                    board.RestoreFiringSince(o.Id, r.TierKey, r.StartedAt);
            }
        }
    }

    /// <summary>Applies one evaluation cycle: starts and resolves incidents; returns the records that changed.</summary>
    public async Task<IReadOnlyList<AlertRecord>> ApplyAsync(IReadOnlyCollection<ObjectiveStatus> statuses, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        var changed = new List<AlertRecord>();
        lock (_lock)
        {
            foreach (var status in statuses.Where(s => s.State is ObjectiveState.Ok or ObjectiveState.NoData))
            {
                var id = status.Id.ToString();
                var decided = status.Alerts.Select(a => (a.Tier.Key, a.Firing)).Concat(status.Conditions.Select(c => (c.Key, c.Firing)));
                foreach (var (tierKey, firing) in decided)
                {
                    var key = (id, tierKey);
                    _records.TryGetValue(key, out var record);
                    if (firing && record?.State != AlertRecord.Firing)
                    {
                        record = new AlertRecord { ObjectiveId = id, TierKey = tierKey, State = AlertRecord.Firing, StartedAt = status.EvaluatedAt };
                        _records[key] = record;
                        changed.Add(record.Copy());
                    }
                    else if (!firing && record?.State == AlertRecord.Firing)
                    {
                        Resolve(record, status.EvaluatedAt);
                        changed.Add(record.Copy());
                    }
                }
            }

            // An objective or tier that left the definitions cannot fire any more: close its incident.
            var live = catalog.Current.Objectives
                .SelectMany(o => o.Alerting.Tiers.Where(t => t.Enabled).Select(t => t.Key).Concat(Engine.Alerting.ConditionAlerts.EnabledKeys(o.Alerting)).Select(k => (o.Id.ToString(), k)))
                .ToHashSet();
            // With no status at all (a reload removed the last objective) the incidents end now.
            var at = statuses.Select(s => s.EvaluatedAt).DefaultIfEmpty(Hosting.ClockExtensions.Now(clock)).Max();
            foreach (var (key, record) in _records)
            {
                if (record.State == AlertRecord.Firing && !live.Contains(key) && cluster.Owns(key.Objective))
                {
                    Resolve(record, at);
                    changed.Add(record.Copy());
                }
            }
        }

        await store.SaveAsync(changed, cancellationToken);
        return changed;
    }

    /// <summary>Copies of every record.</summary>
    public IReadOnlyList<AlertRecord> Snapshot()
    {
        lock (_lock)
            return _records.Values.Select(r => r.Copy()).ToArray();
    }

    /// <summary>Records a delivery on the live record, unless the incident changed meanwhile; persists it.</summary>
    public async Task MarkAsync(IEnumerable<AlertRecord> delivered, Action<AlertRecord> mark, CancellationToken cancellationToken)
    {
        var changed = new List<AlertRecord>();
        lock (_lock)
        {
            foreach (var d in delivered)
            {
                if (_records.TryGetValue((d.ObjectiveId, d.TierKey), out var live) && live.State == d.State && live.StartedAt == d.StartedAt)
                {
                    mark(live);
                    changed.Add(live.Copy());
                }
            }
        }

        await store.SaveAsync(changed, cancellationToken);
    }

    // Objectives as they were before a reload removed them or changed their tiers: their open incidents are resolved at
    // the next cycle and the resolution must still carry their labels. Kept a day, in memory only.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Objective Objective, Instant Until)> _departed = new(StringComparer.Ordinal);

    /// <summary>Remembers objectives as they were before a reload removed or changed them, until <paramref name="until"/>.</summary>
    public void RememberDeparted(IEnumerable<Objective> objectives, Instant until)
    {
        foreach (var (key, (_, keep)) in _departed)
        {
            if (keep < until - Duration.FromDays(1))
                _departed.TryRemove(key, out _);
        }

        foreach (var objective in objectives)
            _departed[objective.Id.ToString()] = (objective, until);
    }

    /// <summary>The objective whose definition holds the alert <paramref name="tierKey"/> of <paramref name="id"/>: the
    /// running one, else the one a reload removed or changed (to resolve its alert with the labels it fired with).</summary>
    public Objective? FindObjective(string id, string tierKey)
    {
        static bool Holds(Objective o, string key) =>
            o.Alerting.Tiers.Any(t => t.Key == key) || Engine.Alerting.ConditionAlerts.EnabledKeys(o.Alerting).Contains(key);
        if (catalog.Current.Find(id) is { } current && Holds(current, tierKey))
            return current;
        return _departed.TryGetValue(id, out var departed) && Holds(departed.Objective, tierKey) ? departed.Objective : catalog.Current.Find(id);
    }

    private static void Resolve(AlertRecord record, Instant at)
    {
        record.State = AlertRecord.Resolved;
        record.ResolvedAt = at;
        record.ResolutionSent = false;
        record.WebhookResolvedSent = false;
    }
}
