using Microsoft.AspNetCore.WebUtilities;
using Slo.Api.Api;
using Slo.Api.Evaluation;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Dashboard;

/// <summary>How the overview orders services: <c>?sort=name</c> (the default) or <c>?sort=budget</c>.</summary>
public enum ServiceOrder
{
    Name,

    /// <summary>Least remaining budget first (the service's worst objective), services without numbers last.</summary>
    Budget,
}

/// <summary>
/// The overview's label filter, <c>?label=team:payments</c> (or <c>team=payments</c>, as the page shows labels);
/// a bare key keeps everything that carries that label. Keys and values compare ordinally.
/// </summary>
public sealed record LabelFilter(string Key, string? Value)
{
    public static LabelFilter? Parse(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
            return null;
        var split = trimmed.IndexOfAny([':', '=']);
        if (split < 0)
            return new LabelFilter(trimmed, null);
        var key = trimmed[..split].Trim();
        return key.Length == 0 ? null : new LabelFilter(key, trimmed[(split + 1)..].Trim());
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Key, out var value) && (Value is null || string.Equals(value, Value, StringComparison.Ordinal));

    /// <summary>The filter as it is typed into the query string.</summary>
    public override string ToString() => Value is null ? Key : $"{Key}:{Value}";
}

/// <summary>One objective on the overview, with its latest status (null before its first evaluation).</summary>
public sealed record ObjectiveSummary(Objective Objective, ObjectiveStatus? Status)
{
    public double? Remaining => Status?.Budget?.Remaining;

    /// <summary>The state shown: an objective never evaluated counts as stale.</summary>
    public ObjectiveState State => Status?.State ?? ObjectiveState.Stale;

    /// <summary>The fastest burn rate of any window, with that window; null when no window has events.</summary>
    public (Duration Window, double Rate)? FastestBurn =>
        Status?.BurnRates.Where(kv => kv.Value is not null).OrderByDescending(kv => kv.Value).Select(kv => ((Duration, double)?)(kv.Key, kv.Value!.Value)).FirstOrDefault();
}

/// <summary>One service on the overview: the objectives shown (all, or those the label filter keeps) and its gate.</summary>
public sealed record ServiceSummary(ServiceDefinition Service, IReadOnlyList<ObjectiveSummary> Objectives, GateDecisionDto? Gate)
{
    public string Name => Service.Name;

    public bool Stale => Objectives.Any(o => o.Status is null || o.Status.State is ObjectiveState.Stale or ObjectiveState.Error);

    /// <summary>The least remaining budget of its objectives shown; null when none has numbers.</summary>
    public double? WorstRemaining => Objectives.Select(o => o.Remaining).Where(r => r is not null).Min();
}

/// <summary>Everything the overview page shows.</summary>
public sealed record OverviewModel(
    IReadOnlyList<ServiceSummary> Services,
    int ServiceCount,
    int ObjectiveCount,
    CycleSummary? LastCycle,
    Instant Now,
    ServiceOrder Order,
    LabelFilter? Filter)
{
    /// <summary>The overview's address with this page's filter and the given order: sort links keep the filter.</summary>
    public string Link(ServiceOrder order, LabelFilter? filter) =>
        QueryHelpers.AddQueryString("/", new Dictionary<string, string?>
        {
            ["sort"] = order == ServiceOrder.Budget ? "budget" : null,
            ["label"] = filter?.ToString(),
        }.Where(kv => kv.Value is not null));
}

/// <summary>Picks and orders the services of the overview; server-side, so the page needs no script.</summary>
public static class ServiceOverview
{
    public static ServiceOrder ParseOrder(string? sort) =>
        string.Equals(sort?.Trim(), "budget", StringComparison.OrdinalIgnoreCase) ? ServiceOrder.Budget : ServiceOrder.Name;

    /// <summary>
    /// The services the filter keeps, each with the objectives it keeps (an objective's labels include its service's),
    /// in the order asked for; ties and services without numbers follow by name.
    /// </summary>
    public static IReadOnlyList<ServiceSummary> Select(IEnumerable<ServiceSummary> services, ServiceOrder order, LabelFilter? filter)
    {
        var kept = filter is null
            ? services
            : services
                .Select(s => s with { Objectives = s.Objectives.Where(o => filter.Matches(o.Objective.Labels)).ToArray() })
                .Where(s => s.Objectives.Count > 0 || filter.Matches(s.Service.Labels));
        var ordered = order == ServiceOrder.Budget
            ? kept.OrderBy(s => s.WorstRemaining is null).ThenBy(s => s.WorstRemaining).ThenBy(s => s.Name, StringComparer.Ordinal)
            : kept.OrderBy(s => s.Name, StringComparer.Ordinal);
        return ordered.ToArray();
    }
}
