using Slo.Engine.Budgets;

namespace Slo.Engine.Evaluation;

/// <summary>
/// The event counts one evaluation needs, as fetched from the metrics source.
/// </summary>
/// <param name="Window">Events over the elapsed part of the objective's window.</param>
/// <param name="BurnWindows">Events over each look-back window (5m ... 3d and any custom tier windows).</param>
/// <param name="Slices">Events per time slice, for timeslice budgeting only.</param>
/// <remarks>Every count leaves out the events of corrected periods; <see cref="Excluded"/> holds those of the window.</remarks>
public sealed record Measurement(EventCounts Window, IReadOnlyDictionary<Duration, EventCounts> BurnWindows, IReadOnlyList<EventCounts>? Slices = null)
{
    /// <summary>Events of the window that corrections excluded.</summary>
    public EventCounts Excluded { get; init; }

    /// <summary>True when a correction covers the instant measured.</summary>
    public bool CorrectionActive { get; init; }
}
