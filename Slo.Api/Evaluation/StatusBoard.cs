using System.Collections.Concurrent;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Evaluation;

/// <summary>
/// The latest status of every objective, in memory, for the API. A failed evaluation never erases numbers: the
/// previous ones stay, marked stale with the reason, and their age keeps growing.
/// </summary>
public sealed class StatusBoard
{
    private readonly ConcurrentDictionary<ObjectiveId, ObjectiveStatus> _latest = new();
    private volatile CycleSummary? _lastCycle;

    /// <summary>True once the first evaluation cycle has finished.</summary>
    public bool Ready => _lastCycle is not null;

    public CycleSummary? LastCycle => _lastCycle;

    public ObjectiveStatus? Get(ObjectiveId id) => _latest.GetValueOrDefault(id);

    public IReadOnlyCollection<ObjectiveStatus> All => _latest.Values.ToArray();

    public ObjectiveStatus RecordSuccess(ObjectiveStatus status)
    {
        _latest[status.Id] = status;
        return status;
    }

    public ObjectiveStatus RecordFailure(Objective objective, Instant at, string reason) =>
        _latest.AddOrUpdate(
            objective.Id,
            _ => ObjectiveStatus.Failed(objective, at, reason),
            (_, previous) => previous.MarkStale(reason));

    public void CompleteCycle(CycleSummary summary) => _lastCycle = summary;
}

/// <summary>What one evaluation cycle did.</summary>
public sealed record CycleSummary(Instant At, Duration Took, int Objectives, int Failed);
