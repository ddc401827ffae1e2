namespace Slo.Engine.Evaluation;

/// <summary>How much an objective's numbers can be trusted.</summary>
public enum ObjectiveState
{
    /// <summary>Fresh numbers from events in the window.</summary>
    Ok,

    /// <summary>The window holds no events: there is no SLI, and the budget is unknown, never 100%.</summary>
    NoData,

    /// <summary>The last good numbers, kept because newer ones could not be fetched; their age tells how old.</summary>
    Stale,

    /// <summary>The objective could not be evaluated at all (a query failed before any good numbers existed).</summary>
    Error,
}

public static class ObjectiveStateNames
{
    public static string ToName(this ObjectiveState state) => state switch
    {
        ObjectiveState.Ok => "ok",
        ObjectiveState.NoData => "no_data",
        ObjectiveState.Stale => "stale",
        ObjectiveState.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? text, out ObjectiveState state)
    {
        foreach (var candidate in Enum.GetValues<ObjectiveState>())
        {
            if (candidate.ToName() == text)
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }
}
