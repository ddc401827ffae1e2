using System.Collections.Concurrent;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Evaluation;

/// <summary>
/// The latest status of every objective, in memory, for the API. A failed evaluation never erases numbers: the
/// previous ones stay, marked stale with the reason, and their age keeps growing. It also remembers since when each
/// burn-rate tier has been firing.
/// </summary>
public sealed class StatusBoard
{
    private readonly ConcurrentDictionary<ObjectiveId, ObjectiveStatus> _latest = new();
    private readonly ConcurrentDictionary<(ObjectiveId, string), Instant> _firingSince = new();
    private volatile CycleSummary? _lastCycle;

    /// <summary>True once the first evaluation cycle has finished.</summary>
    public bool Ready => _lastCycle is not null;

    public CycleSummary? LastCycle => _lastCycle;

    /// <summary>Raised after each cycle, with every status of that cycle.</summary>
    public event Action<CycleSummary, IReadOnlyCollection<ObjectiveStatus>>? CycleCompleted;

    public ObjectiveStatus? Get(ObjectiveId id) => _latest.GetValueOrDefault(id);

    public IReadOnlyCollection<ObjectiveStatus> All => _latest.Values.ToArray();

    /// <summary>Since when a tier (by <see cref="Engine.Alerting.AlertTier.Key"/>) has fired without a break; null when it does not fire.</summary>
    public Instant? FiringSince(ObjectiveId id, string tierKey) => _firingSince.TryGetValue((id, tierKey), out var since) ? since : null;

    /// <summary>Restores "firing since" instants kept elsewhere (e.g. in SQL across a restart).</summary>
    public void RestoreFiringSince(ObjectiveId id, string tierKey, Instant since) => _firingSince.TryAdd((id, tierKey), since);

    public ObjectiveStatus RecordSuccess(ObjectiveStatus status)
    {
        _latest[status.Id] = status;
        foreach (var (tierKey, firing) in status.Alerts.Select(a => (a.Tier.Key, a.Firing)).Concat(status.Conditions.Select(c => (c.Key, c.Firing))))
        {
            var key = (status.Id, tierKey);
            if (firing)
                _firingSince.TryAdd(key, status.EvaluatedAt);
            else
                _firingSince.TryRemove(key, out _);
        }

        return status;
    }

    /// <summary>Keeps the previous numbers as stale. Firing tiers stay as they were: no data is no evidence the fire is out.</summary>
    public ObjectiveStatus RecordFailure(Objective objective, Instant at, string reason) =>
        _latest.AddOrUpdate(
            objective.Id,
            _ => ObjectiveStatus.Failed(objective, at, reason),
            (_, previous) => previous.MarkStale(reason));

    /// <summary>Forgets the objectives <paramref name="live"/> no longer holds: their statuses leave the API and /metrics
    /// at once (their alerts are resolved by the alert tracker at the next cycle).</summary>
    public void Retain(DefinitionSet live)
    {
        foreach (var id in _latest.Keys.Where(id => live.Find(id) is null))
            _latest.TryRemove(id, out _);
        foreach (var key in _firingSince.Keys.Where(k => live.Find(k.Item1) is null))
            _firingSince.TryRemove(key, out _);
    }

    public void CompleteCycle(CycleSummary summary, IReadOnlyCollection<ObjectiveStatus> statuses)
    {
        _lastCycle = summary;
        CycleCompleted?.Invoke(summary, statuses);
    }
}

/// <summary>What one evaluation cycle did.</summary>
public sealed record CycleSummary(Instant At, Duration Took, int Objectives, int Failed)
{
    /// <summary>Requests the cycle sent to Prometheus.</summary>
    public long Queries { get; init; }

    /// <summary>Samples Prometheus read for them (its <c>totalQueryableSamples</c>).</summary>
    public long SamplesRead { get; init; }
}
