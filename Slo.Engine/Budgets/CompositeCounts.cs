namespace Slo.Engine.Budgets;

/// <summary>
/// The counts of a composite objective over one stretch, from its components' counts there: the bad ratio is the
/// weighted mean of the components' bad ratios, sum(weight x bad/total) / sum(weight), over the components that had
/// events (one without traffic is no evidence either way); the total is the components' events together, so budgets
/// and minimum-event rules read as for any objective.
/// </summary>
public static class CompositeCounts
{
    public static EventCounts Combine(IEnumerable<(double Weight, EventCounts Counts)> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        double weights = 0, weightedBad = 0, total = 0;
        foreach (var (weight, counts) in components)
        {
            if (counts.IsEmpty)
                continue;
            weights += weight;
            weightedBad += weight * counts.Bad / counts.Total;
            total += counts.Total;
        }

        return weights == 0 ? EventCounts.Empty : EventCounts.FromTotalAndBad(total, total * (weightedBad / weights));
    }
}
