using Slo.Engine.Budgets;

namespace Slo.Engine.Evaluation;

/// <summary>
/// The event counts one evaluation needs, as fetched from the metrics source.
/// </summary>
/// <param name="Window">Events over the elapsed part of the objective's window.</param>
/// <param name="BurnWindows">Events over each look-back window (5m ... 3d and any custom tier windows).</param>
/// <param name="Slices">Events per time slice, for timeslice budgeting only.</param>
public sealed record Measurement(EventCounts Window, IReadOnlyDictionary<Duration, EventCounts> BurnWindows, IReadOnlyList<EventCounts>? Slices = null);
