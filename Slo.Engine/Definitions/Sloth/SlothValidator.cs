using System.Text;
using System.Text.RegularExpressions;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions.Native;
using Slo.Engine.Definitions.Yaml;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions.Sloth;

/// <summary>
/// Turns a Sloth document into objectives. Sloth's <c>events</c> SLI (error and total queries with
/// <c>{{.window}}</c>) becomes the raw-query ratio of the native format; the window is Sloth's default period, a
/// rolling 30 days (Sloth takes another only from its command line, never from the file); the alert tiers are Sloth's
/// default ones for 30 days, which are the SRE Workbook's (and this service's), with <c>page_alert</c> and
/// <c>ticket_alert</c> switched off by <c>disable</c>. The rules Sloth checks are checked here too, with its reasons.
/// </summary>
internal static partial class SlothValidator
{
    public const string SpecVersion = "prometheus/v1";
    public const string CrdApiVersion = "sloth.slok.dev/v1";
    public const string CrdKind = "PrometheusServiceLevel";

    /// <summary>Sloth's default SLO period (its <c>--default-slo-period</c>).</summary>
    public static readonly Duration Period = Duration.FromDays(30);

    public static ServicePart? Validate(SlothDocumentDto doc, DiagnosticBag bag)
    {
        var rules = new FieldRules(bag);
        foreach (var f in doc.Foreign)
            bag.Warning(f.At, f.Path, $"ignored, as Sloth ignores it: {doc.Keys.Form} spells it '{f.Expected}'");

        if (doc.Kind is { } kind && kind.Text != CrdKind)
        {
            rules.Error(kind, kind.Text == "AlertWindows"
                ? "Sloth AlertWindows are not read: the tiers are Sloth's defaults for a 30d period, the SRE Workbook's (see the README)"
                : $"unknown kind '{kind.Text}' for {CrdApiVersion}: expected {CrdKind}");
            return null;
        }

        var service = Name(doc.Service, rules);
        var labels = rules.Labels(doc.Labels);
        if (doc.PluginsAt is { } pluginsAt)
            bag.Error(pluginsAt, doc.PluginsPath, "SLO plugins are not supported: they change the rules Sloth generates, which this service does not run");
        if (doc.Slos is not { Count: > 0 } slos)
        {
            bag.Error(doc.SlosAt, doc.SlosPath, "at least one SLO is required");
            return service is null ? null : new ServicePart(service, doc.At, labels, null, []);
        }

        var objectives = new List<Objective>();
        var names = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (var slo in slos)
        {
            if (slo.Name is { } n && !names.TryAdd(n.Text, n))
            {
                rules.Error(n, $"duplicate SLO '{n.Text}': first defined at {names[n.Text].At}");
                continue;
            }

            if (Objective(slo, service, labels, rules) is { } objective)
                objectives.Add(objective);
        }

        return service is null ? null : new ServicePart(service, doc.At, labels, null, objectives);
    }

    private static Objective? Objective(SlothSloDto slo, string? service, IReadOnlyDictionary<string, string> serviceLabels, FieldRules rules)
    {
        var bag = rules.Bag;
        var name = Name(slo.Name, rules);
        var labels = new Dictionary<string, string>(serviceLabels);
        foreach (var (k, v) in rules.Labels(slo.Labels))
            labels[k] = v;

        Budgets.Target? target = null;
        if (rules.Number(slo.Objective) is { } objective)
        {
            if (objective is > 0 and < 100)
                target = Budgets.Target.FromPercent(objective);
            else
                rules.Error(slo.Objective!, objective == 100
                    ? "100 is out of range here: an objective of 100% leaves no error budget to spend or alert on; give a percentage below 100"
                    : $"{FieldRules.Format(objective)} is out of range: objective must be >0 and <=100 (Sloth), and below 100 here");
        }

        if (slo.PluginsAt is { } pluginsAt)
            bag.Error(pluginsAt, $"{slo.Path}.plugins", "SLO plugins are not supported: they change the rules Sloth generates, which this service does not run");

        var indicator = slo.Sli is null ? null : Indicator(slo.Sli, rules);
        var alerting = Alerting(slo, rules);
        if (service is null || name is null || target is null || indicator is null || alerting is null || slo.PluginsAt is not null)
            return null;
        return new Objective(
            new ObjectiveId(service, name),
            indicator.DefaultSignal,
            target.Value,
            new RollingWindow(Period),
            indicator,
            BudgetingMethod.Occurrences,
            alerting,
            labels,
            slo.Description?.Text,
            slo.At);
    }

    /// <summary>A name as Sloth allows it: the service's rule, and an alphanumeric at the end too.</summary>
    private static string? Name(YamlScalar? value, FieldRules rules)
    {
        if (value is { Text.Length: 0 } empty)
        {
            rules.Error(empty, "is required");
            return null;
        }

        if (value is { } v && !char.IsAsciiLetterOrDigit(v.Text[^1]))
        {
            rules.Error(v, $"'{v.Text}' is not a valid name: it must start and end with an alphanumeric and can only contain alphanumeric, '.', '_', and '-'");
            return null;
        }

        return rules.Name(value);
    }

    private static Indicator? Indicator(SlothSliDto sli, FieldRules rules)
    {
        var bag = rules.Bag;
        var kinds = new[] { sli.EventsAt, sli.RawAt, sli.PluginAt }.Count(k => k is not null);
        if (kinds == 0)
        {
            bag.Error(sli.At, sli.Path, "at least one SLI type is required: events (error and total queries)");
            return null;
        }

        if (kinds > 1)
        {
            bag.Error(sli.At, sli.Path, "only one SLI type is allowed: events, raw or plugin");
            return null;
        }

        if (sli.RawAt is { } rawAt)
        {
            bag.Error(rawAt, sli.RawPath,
                "raw error-ratio SLIs are not supported: the service adds up counts of events, and a ratio cannot be added up; give events with an error and a total query");
            return null;
        }

        if (sli.PluginAt is { } pluginAt)
        {
            bag.Error(pluginAt, sli.PluginPath, "SLI plugins are not supported: give events with an error and a total query");
            return null;
        }

        var events = $"{sli.Path}.events";
        if (sli.ErrorQuery is null)
            bag.Error(sli.EventsAt!, $"{events}.{sli.Keys.ErrorQuery}", "is required");
        if (sli.TotalQuery is null)
            bag.Error(sli.EventsAt!, $"{events}.{sli.Keys.TotalQuery}", "is required");
        if (sli.ErrorQuery is null || sli.TotalQuery is null)
            return null;

        if (sli.ErrorQuery.Text == sli.TotalQuery.Text)
        {
            rules.Error(sli.TotalQuery, "both error and total queries can't be the same");
            return null;
        }

        var error = Query(sli.ErrorQuery, rules);
        var total = Query(sli.TotalQuery, rules);
        return error is null || total is null ? null : new RawRatioIndicator(null, error, total);
    }

    /// <summary>
    /// A Sloth query as a raw query of the native format: <c>{{.window}}</c> becomes <c>{{window}}</c>, and a
    /// <c>rate()</c> over the window becomes <c>increase()</c>. Sloth divides two rates, whose ratio is all it needs; the
    /// service adds up counts bucket by bucket, and rates over buckets of different lengths cannot be added.
    /// <c>increase()</c> over a range is exactly <c>rate()</c> times its length, so the ratio is the same.
    /// </summary>
    internal static string? Query(YamlScalar query, FieldRules rules)
    {
        if (!WindowVariable().IsMatch(query.Text))
        {
            rules.Error(query, "template must contain the {{ .window }} variable");
            return null;
        }

        var text = WindowVariable().Replace(query.Text, RawRatioIndicator.WindowPlaceholder);
        var rest = text.Replace(RawRatioIndicator.WindowPlaceholder, "", StringComparison.Ordinal);
        if (rest.Contains("{{", StringComparison.Ordinal))
        {
            rules.Error(query, "only the {{ .window }} template variable is read; the query holds another template");
            return null;
        }

        if (PromQlShape.Problem(text.Replace(RawRatioIndicator.WindowPlaceholder, "5m", StringComparison.Ordinal)) is { } problem)
        {
            rules.Error(query, $"not a Prometheus expression: {problem}");
            return null;
        }

        return RatesToIncreases(text);
    }

    /// <summary>Rewrites each <c>rate(... [{{window}}])</c> call to <c>increase(...)</c>, leaving strings, comments
    /// and every other call as written.</summary>
    internal static string RatesToIncreases(string query)
    {
        var sb = new StringBuilder(query.Length + 16);
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (c is '"' or '\'' or '`')
            {
                var end = SkipString(query, i);
                sb.Append(query, i, end - i);
                i = end;
                continue;
            }

            if (c == '#')
            {
                var end = query.IndexOf('\n', i);
                end = end < 0 ? query.Length : end;
                sb.Append(query, i, end - i);
                i = end;
                continue;
            }

            if (IsNameChar(c))
            {
                var start = i;
                while (i < query.Length && IsNameChar(query[i]))
                    i++;
                var word = query[start..i];
                if (word == "rate" && OpenParen(query, i) is { } open && Close(query, open) is { } close &&
                    query[(open + 1)..close].TrimEnd().EndsWith("[" + RawRatioIndicator.WindowPlaceholder + "]", StringComparison.Ordinal))
                {
                    sb.Append("increase");
                }
                else
                {
                    sb.Append(word);
                }

                continue;
            }

            sb.Append(c);
            i++;
        }

        return sb.ToString();
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or ':';

    private static int? OpenParen(string s, int from)
    {
        while (from < s.Length && char.IsWhiteSpace(s[from]))
            from++;
        return from < s.Length && s[from] == '(' ? from : null;
    }

    private static int? Close(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            switch (s[i])
            {
                case '"' or '\'' or '`':
                    i = SkipString(s, i) - 1;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0)
                        return i;
                    break;
            }
        }

        return null;
    }

    /// <summary>The index just after the string literal that starts at <paramref name="start"/>.</summary>
    private static int SkipString(string s, int start)
    {
        var quote = s[start];
        for (var i = start + 1; i < s.Length; i++)
        {
            if (s[i] == '\\' && quote != '`')
                i++;
            else if (s[i] == quote)
                return i + 1;
        }

        return s.Length;
    }

    private static AlertPolicy? Alerting(SlothSloDto slo, FieldRules rules)
    {
        var a = slo.Alerting;
        var page = rules.Bool(a?.Page?.Disable) ?? false;
        var ticket = rules.Bool(a?.Ticket?.Disable) ?? false;
        if (a?.Page?.Disable is { } pd && !pd.TryBool(out _) || a?.Ticket?.Disable is { } td && !td.TryBool(out _))
            return null;

        if (!(page && ticket) && a?.Name is null or { Text: "" })
        {
            rules.Bag.Error(a?.At ?? slo.At, a is null ? $"{slo.Path}.alerting" : $"{a.Path}.name",
                "alert name is required (Sloth names its alerts with it) unless both page_alert and ticket_alert are disabled");
            return null;
        }

        if (a is not null && (a.Name is not null || a.Carried.Count > 0))
        {
            var keys = (a.Name is null ? [] : new[] { "name" }).Concat(a.Carried);
            rules.Bag.Warning(a.At, a.Path,
                $"the alert {string.Join(", ", keys)} are not carried: alerts are named SLOBurnRate and carry the objective's labels and severity page or ticket");
        }

        var tiers = AlertTier.Defaults
            .Select(t => t.Severity == Severity.Page && page || t.Severity == Severity.Ticket && ticket
                ? new AlertTier(t.Severity, t.BudgetConsumed, t.LongWindow, t.ShortWindow, enabled: false)
                : t)
            .ToArray();
        return new AlertPolicy(tiers, 0);
    }

    [GeneratedRegex(@"\{\{ *\.window *\}\}")]
    private static partial Regex WindowVariable();
}
