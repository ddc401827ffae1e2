using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NodaTime.Text;
using Slo.Engine.Alerting;
using Slo.Engine.Corrections;
using Slo.Engine.Gating;
using Slo.Engine.Time;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions;

/// <summary>The native text of some definitions, or what the native format cannot say about them.</summary>
/// <param name="Yaml">One <c>slo/v1</c> document per service; empty when <paramref name="Problems"/> is not.</param>
/// <param name="Problems">Objectives the native format cannot express, each located where it was defined.</param>
public sealed record NativeConversion(string Yaml, IReadOnlyList<DefinitionDiagnostic> Problems);

/// <summary>
/// Writes validated definitions, read from any format, as native <c>slo/v1</c> YAML that loads back into the same
/// objectives (what <c>slo convert</c> prints). Keys appear in the order the README documents them, defaults are left
/// out, and every value that is not a plain word is quoted: selectors and PromQL in single quotes, multi-line PromQL as
/// literal blocks, anything with control characters in double quotes with escapes.
/// </summary>
public static partial class NativeYamlWriter
{
    private static readonly LocalDateTimePattern LocalStart = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:ss");

    /// <param name="header">Comment lines to start with (each written after <c># </c>).</param>
    public static NativeConversion Write(IEnumerable<ServiceDefinition> services, IEnumerable<string>? header = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var problems = new List<DefinitionDiagnostic>();
        var sb = new StringBuilder();
        foreach (var line in header ?? [])
            sb.Append("# ").Append(DiagnosticBagText(line)).Append('\n');
        var first = true;
        foreach (var service in services)
        {
            if (!first)
                sb.Append("---\n");
            first = false;
            Service(sb, service, problems);
        }

        return problems.Count > 0 ? new NativeConversion("", problems) : new NativeConversion(sb.ToString(), []);
    }

    private static string DiagnosticBagText(string line) => Yaml.DiagnosticBag.Printable(line);

    private static void Service(StringBuilder sb, ServiceDefinition service, List<DefinitionDiagnostic> problems)
    {
        sb.Append("apiVersion: slo/v1\nkind: ServiceObjectives\n");
        sb.Append("service: ").Append(Scalar(service.Name)).Append('\n');

        // Labels every objective carries are the service's; the rest stay with their objective.
        var shared = service.Labels
            .Where(kv => service.Objectives.Count > 0 && service.Objectives.All(o => o.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToArray();
        Map(sb, "", "labels", shared);
        if (service.Gate != GatePolicy.Default)
            Gate(sb, service.Gate);

        if (service.Objectives.Count == 0)
            sb.Append("objectives: []\n");
        else
            sb.Append("objectives:\n");
        foreach (var objective in service.Objectives)
            Objective(sb, objective, shared.ToDictionary(kv => kv.Key, kv => kv.Value), problems);
        foreach (var grouped in service.Grouped)
        {
            problems.Add(new DefinitionDiagnostic(grouped.GroupingAt ?? grouped.Template.DefinedAt ?? new SourceLocation("definitions", 1, 1), "grouping",
                $"{grouped.Id}: grouping is unsupported in slo convert: the native format has no grouping, and the objectives it makes (one per value of " +
                $"{string.Join(", ", grouped.GroupBy)} found in Prometheus) are only known at run time; keep this objective in its Pyrra file, which the service reads " +
                "as it is, or write one objective per value with the value in its selectors"));
        }

        if (service.Corrections.Count > 0)
        {
            sb.Append("corrections:\n");
            foreach (var c in service.Corrections)
                Correction(sb, c);
        }
    }

    private static void Gate(StringBuilder sb, GatePolicy gate)
    {
        static string Rule(SignalGateRule r) =>
            $"{{ minBudgetRemaining: {Number(r.MinBudgetRemaining)}, mode: {(r.Mode == GateMode.Block ? "block" : "warn")} }}";
        sb.Append("gate:\n");
        sb.Append("  reliability: ").Append(Rule(gate.Reliability)).Append('\n');
        sb.Append("  performance: ").Append(Rule(gate.Performance)).Append('\n');
        sb.Append("  blockOnPage: ").Append(gate.BlockOnPage ? "true" : "false").Append('\n');
        sb.Append("  maxDataAge: ").Append(DurationText.Format(gate.MaxDataAge)).Append('\n');
    }

    private static void Objective(StringBuilder sb, Objective o, Dictionary<string, string> shared, List<DefinitionDiagnostic> problems)
    {
        var problem = (string message) => problems.Add(new DefinitionDiagnostic(o.DefinedAt ?? new SourceLocation(o.Id.ToString(), 1, 1), o.Id.ToString(), message));
        const string indent = "    ";
        sb.Append("  - name: ").Append(Scalar(o.Name)).Append('\n');
        if (o.Description is { Length: > 0 } description)
            sb.Append(indent).Append("description: ").Append(Text(description, indent)).Append('\n');
        if (o.Signal != o.Indicator.DefaultSignal)
            sb.Append(indent).Append("signal: ").Append(o.Signal.ToName()).Append('\n');
        if (o.Source is { } source)
            sb.Append(indent).Append("source: ").Append(Scalar(source)).Append('\n');
        sb.Append(indent).Append("target: ").Append(Number(o.Target.Percent)).Append('\n');
        if (Window(o.Window) is { } window)
            sb.Append(indent).Append("window: ").Append(window).Append('\n');
        else
            problem($"the native format has no {o.Window}{(o.Window is CalendarWindow c ? $" starting at {LocalStart.Format(c.Anchor)}" : "")} window: it counts calendar weeks from Monday, months, quarters and years from their first day at midnight; keep this objective in its own format");

        switch (o.Budgeting)
        {
            case OccurrencesBudgeting:
                break;
            case TimeslicesBudgeting when o.Indicator is ThresholdIndicator:
                // A threshold names its slice itself (its slices are its events).
                break;
            case SlicedBudgeting sliced when sliced.SliceLength.BclCompatibleTicks % Duration.FromMinutes(1).BclCompatibleTicks != 0:
                problem($"the native format slices time in whole minutes, not {DurationText.Format(sliced.SliceLength)}; keep this objective in its own format");
                break;
            case TimeslicesBudgeting t:
                sb.Append(indent).Append("budgeting: { timeslices: { slice: ").Append(DurationText.Format(t.SliceLength))
                    .Append(", sliceTarget: ").Append(Number((double)((decimal)t.SliceTarget * 100m))).Append(" } }\n");
                break;
            case RatioTimeslicesBudgeting r:
                sb.Append(indent).Append("budgeting: { ratioTimeslices: { slice: ").Append(DurationText.Format(r.SliceLength)).Append(" } }\n");
                break;
            default:
                problem($"the native format has no budgeting method {o.Budgeting}");
                break;
        }

        const string deeper = indent + "    ";
        if (o.Indicator is CompositeIndicator composite)
        {
            sb.Append(indent).Append("composite:\n").Append(indent).Append("  objectives:\n");
            foreach (var c in composite.Components)
            {
                sb.Append(deeper).Append("- { objective: ").Append(Scalar(c.Objective.ToString()))
                    .Append(", weight: ").Append(Number(c.Weight)).Append(" }\n");
            }
        }
        else
        {
            sb.Append(indent).Append("indicator:\n");
        }

        switch (o.Indicator)
        {
            case CompositeIndicator:
                break;
            case RatioIndicator r:
                sb.Append(indent).Append("  ratio:\n");
                if (r.Good is { } good)
                    sb.Append(deeper).Append("good: ").Append(Text(good.ToString(), deeper)).Append('\n');
                if (r.Bad is { } bad)
                    sb.Append(deeper).Append("bad: ").Append(Text(bad.ToString(), deeper)).Append('\n');
                sb.Append(deeper).Append("total: ").Append(Text(r.Total.ToString(), deeper)).Append('\n');
                break;
            case RawRatioIndicator q:
                sb.Append(indent).Append("  ratio:\n");
                if (q.GoodQuery is { } goodQuery)
                    sb.Append(deeper).Append("goodQuery: ").Append(Text(goodQuery, deeper)).Append('\n');
                if (q.BadQuery is { } badQuery)
                    sb.Append(deeper).Append("badQuery: ").Append(Text(badQuery, deeper)).Append('\n');
                sb.Append(deeper).Append("totalQuery: ").Append(Text(q.TotalQuery, deeper)).Append('\n');
                break;
            case LatencyIndicator l:
                sb.Append(indent).Append("  latency:\n");
                sb.Append(deeper).Append("histogram: ").Append(Scalar(l.Histogram)).Append('\n');
                if (l.Selector.Matchers.Count > 0)
                    sb.Append(deeper).Append("selector: ").Append(Text(l.Selector.ToString(), deeper)).Append('\n');
                if (l.Threshold.BclCompatibleTicks % Duration.FromMilliseconds(1).BclCompatibleTicks != 0)
                    problem($"the native format writes a latency threshold in whole milliseconds, not {l.Threshold.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)}s");
                else
                    sb.Append(deeper).Append("threshold: ").Append(DurationText.Format(l.Threshold)).Append('\n');
                break;
            case ThresholdIndicator t:
                sb.Append(indent).Append("  threshold:\n");
                sb.Append(deeper).Append("query: ").Append(Text(t.Query, deeper)).Append('\n');
                sb.Append(deeper).Append("op: ").Append(t.Op.ToWord()).Append('\n');
                sb.Append(deeper).Append("value: ").Append(Number(t.Value)).Append('\n');
                if (t.Slice.BclCompatibleTicks % Duration.FromMinutes(1).BclCompatibleTicks != 0)
                    problem($"the native format samples a threshold in whole minutes, not every {DurationText.Format(t.Slice)}; keep this objective in its own format");
                else
                    sb.Append(deeper).Append("slice: ").Append(DurationText.Format(t.Slice)).Append('\n');
                break;
            default:
                problem($"the native format has no indicator like {o.Indicator.GetType().Name}");
                break;
        }

        var own = o.Labels.Where(kv => !shared.TryGetValue(kv.Key, out var v) || v != kv.Value).OrderBy(kv => kv.Key, StringComparer.Ordinal);
        Map(sb, indent, "labels", own);

        var policy = o.Alerting;
        var defaultTiers = policy.Tiers.SequenceEqual(AlertTier.Defaults);
        var defaultNoData = policy.NoDataAfter == AlertPolicy.DefaultNoDataAfter;
        if (defaultTiers && policy.MinEvents == 0 && defaultNoData && policy.ExhaustionWithin is null)
            return;
        sb.Append(indent).Append("alerting:\n");
        if (policy.MinEvents > 0)
            sb.Append(indent).Append("  minEvents: ").Append(Number(policy.MinEvents)).Append('\n');
        if (!defaultNoData)
            sb.Append(indent).Append("  noDataAfter: ").Append(policy.NoDataAfter is { } silence ? DurationText.Format(silence) : "off").Append('\n');
        if (policy.ExhaustionWithin is { } within)
            sb.Append(indent).Append("  exhaustionWithin: ").Append(DurationText.Format(within)).Append('\n');
        if (defaultTiers)
        {
            sb.Append(indent).Append("  tiers: default\n");
            return;
        }

        if (policy.Tiers.Count == 0)
        {
            sb.Append(indent).Append("  tiers: []\n");
            return;
        }

        sb.Append(indent).Append("  tiers:\n");
        foreach (var t in policy.Tiers)
        {
            sb.Append(indent).Append("    - { severity: ").Append(t.Severity.ToName())
                .Append(", budgetConsumed: ").Append(Number(t.BudgetConsumed))
                .Append(", longWindow: ").Append(DurationText.Format(t.LongWindow))
                .Append(", shortWindow: ").Append(DurationText.Format(t.ShortWindow));
            if (!t.Enabled)
                sb.Append(", enabled: false");
            sb.Append(" }");
            if (o.Window is RollingWindow rolling)
                sb.Append("  # burn rate ").Append(t.Factor(rolling.Duration).ToString("0.###", CultureInfo.InvariantCulture)).Append(" over ").Append(rolling.Length);
            sb.Append('\n');
        }
    }

    /// <summary>The native text of a window, or null when the native format cannot say it.</summary>
    private static string? Window(SloWindow window)
    {
        switch (window)
        {
            case RollingWindow r:
                return DurationText.Format(r.Duration);
            case CalendarWindow c:
                var a = c.Anchor;
                var midnight = a.TimeOfDay == LocalTime.Midnight;
                string? name = (c.Unit, c.Count) switch
                {
                    (CalendarUnit.Week, 1) when midnight && a.DayOfWeek == IsoDayOfWeek.Monday => "week",
                    (CalendarUnit.Month, 1) when midnight && a.Day == 1 => "month",
                    (CalendarUnit.Month, 3) when midnight && a.Day == 1 && (a.Month - 1) % 3 == 0 => "quarter",
                    (CalendarUnit.Month, 12) when midnight && a.Day == 1 && a.Month == 1 => "year",
                    _ => null,
                };
                return name is null ? null : $"{{ calendar: {name}, timeZone: {Scalar(c.Zone.Id)} }}";
            default:
                return null;
        }
    }

    private static void Correction(StringBuilder sb, Correction c)
    {
        const string indent = "    ";
        sb.Append("  - name: ").Append(Scalar(c.Name ?? c.Id)).Append('\n');
        sb.Append(indent).Append("start: ").Append(LocalStart.Format(c.Start)).Append('\n');
        sb.Append(indent).Append("duration: ").Append(DurationText.Format(c.Length.ToDuration())).Append('\n');
        if (c.Recurrence is { } rrule)
            sb.Append(indent).Append("rrule: ").Append(Text(rrule, indent)).Append('\n');
        sb.Append(indent).Append("timeZone: ").Append(Scalar(c.Zone.Id)).Append('\n');
        if (c.Objectives.Count > 0)
            sb.Append(indent).Append("objectives: [").AppendJoin(", ", c.Objectives.Select(Scalar)).Append("]\n");
        if (c.Reason.Length > 0)
            sb.Append(indent).Append("reason: ").Append(Text(c.Reason, indent)).Append('\n');
    }

    private static void Map(StringBuilder sb, string indent, string key, IEnumerable<KeyValuePair<string, string>> entries)
    {
        var list = entries.ToArray();
        if (list.Length == 0)
            return;
        sb.Append(indent).Append(key).Append(":\n");
        foreach (var (k, v) in list)
            sb.Append(indent).Append("  ").Append(Scalar(k)).Append(": ").Append(PlainWord().IsMatch(v) && !Reserved.Contains(v) && !LooksNumeric(v) ? v : Text(v, indent + "  ")).Append('\n');
    }

    /// <summary>A number as YAML reads it back to the same double (99.9, 0.02, 14).</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A word written plain when YAML reads it back as the same string, quoted otherwise.</summary>
    public static string Scalar(string text) => PlainWord().IsMatch(text) && !Reserved.Contains(text) && !LooksNumeric(text) ? text : Text(text, "");

    /// <summary>
    /// Any text as a YAML scalar that reads back exactly: single-quoted when it is one printable line, a literal block
    /// (indented under <paramref name="indent"/>) when it spans lines that a block can hold, double-quoted with escapes
    /// otherwise.
    /// </summary>
    public static string Text(string text, string indent)
    {
        if (text.Length > 0 && text.All(c => !char.IsControl(c) && !char.IsSurrogate(c) && c is not ('\u2028' or '\u2029' or '\u0085' or '\uFEFF')))
            return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        if (Block(text, indent) is { } block)
            return block;
        var sb = new StringBuilder("\"");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }

            _ = c switch
            {
                '\\' => sb.Append("\\\\"),
                '"' => sb.Append("\\\""),
                '\n' => sb.Append("\\n"),
                '\t' => sb.Append("\\t"),
                '\r' => sb.Append("\\r"),
                _ when char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u0085' or '\uFEFF' =>
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => sb.Append(c),
            };
        }

        return sb.Append('"').ToString();
    }

    /// <summary>A literal block (<c>|</c> or <c>|-</c>) for multi-line text whose lines a block keeps as they are.</summary>
    private static string? Block(string text, string indent)
    {
        var body = text.EndsWith('\n') ? text[..^1] : text;
        if (body.Length == 0 || body.EndsWith('\n') || !body.Contains('\n') || body[0] is ' ' or '\t')
            return null;
        var lines = body.Split('\n');
        if (lines.Any(l => l.Length == 0 || char.IsWhiteSpace(l[^1]) || l.Any(c => char.IsControl(c) && c != '\t' || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u0085' or '\uFEFF')))
            return null;
        var sb = new StringBuilder(text.EndsWith('\n') ? "|" : "|-");
        foreach (var line in lines)
            sb.Append('\n').Append(indent).Append("  ").Append(line);
        return sb.ToString();
    }

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "default",
    };

    private static bool LooksNumeric(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ||
        s.StartsWith("0o", StringComparison.OrdinalIgnoreCase) || s.StartsWith('.');

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
    private static partial Regex PlainWord();
}
