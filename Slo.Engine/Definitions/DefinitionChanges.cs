using System.Globalization;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions;

/// <summary>What a new set of definitions changes against the running one, objective by objective.</summary>
public sealed record DefinitionChanges(
    IReadOnlyList<ObjectiveId> Added,
    IReadOnlyList<ObjectiveId> Changed,
    IReadOnlyList<ObjectiveId> Removed,
    IReadOnlyList<ObjectiveId> Unchanged)
{
    public bool Any => Added.Count + Changed.Count + Removed.Count > 0;

    /// <summary>Compares by <see cref="Fingerprint"/>: an objective is unchanged when everything that decides its figures,
    /// alerts and labels is the same, wherever in which file it is written.</summary>
    public static DefinitionChanges Between(DefinitionSet running, DefinitionSet next)
    {
        var added = new List<ObjectiveId>();
        var changed = new List<ObjectiveId>();
        var unchanged = new List<ObjectiveId>();
        foreach (var objective in next.Objectives)
        {
            if (running.Find(objective.Id) is not { } before)
                added.Add(objective.Id);
            else if (ReferenceEquals(before, objective) || Fingerprint(before) == Fingerprint(objective))
                unchanged.Add(objective.Id);
            else
                changed.Add(objective.Id);
        }

        var removed = running.Objectives.Where(o => next.Find(o.Id) is null).Select(o => o.Id).ToArray();
        return new DefinitionChanges(added, changed, removed, unchanged);
    }

    /// <summary>
    /// A canonical text of everything that decides an objective's figures, alerts and labels: signal, target, window
    /// (a calendar window with its zone and anchor), budgeting, indicator, alert policy, labels and description. Where it
    /// was written (file, line) is left out, so moving a definition between files changes nothing.
    /// </summary>
    public static string Fingerprint(Objective o)
    {
        static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);
        var window = o.Window switch
        {
            CalendarWindow c => $"calendar {c.Count} {c.Unit} {c.Zone.Id} {c.Anchor:uuuu-MM-dd'T'HH:mm:ss}",
            _ => o.Window.ToString()!,
        };
        var alerting = o.Alerting;
        return string.Join("\n",
            o.Id.ToString(),
            o.Signal.ToString(),
            R(o.Target.Fraction),
            window,
            o.Budgeting.ToString(),
            o.Indicator.ToString(),
            "alerting " + R(alerting.MinEvents) + " " + alerting.NoDataAfter + " " + alerting.ExhaustionWithin + " "
            + string.Join(";", alerting.Tiers.Select(t => $"{t.Severity} {R(t.BudgetConsumed)} {t.LongWindow} {t.ShortWindow} {t.Enabled}")),
            string.Join(",", o.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")),
            o.Description ?? "");
    }
}
