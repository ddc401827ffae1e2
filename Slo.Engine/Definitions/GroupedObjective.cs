using System.Security.Cryptography;
using System.Text;

namespace Slo.Engine.Definitions;

/// <summary>
/// An objective written once for every value of some labels (Pyrra's <c>grouping</c>): a template that becomes one
/// objective per combination of the <see cref="GroupBy"/> labels' values found on the <see cref="Discovery"/> series.
/// Which values exist is a question for Prometheus, asked by the host; the expansion itself is pure.
/// </summary>
public sealed class GroupedObjective
{
    private readonly Func<IReadOnlyList<LabelMatcher>, Indicator> _indicator;

    /// <param name="template">The objective as written, without any group matcher (its id is the template's).</param>
    /// <param name="groupBy">The grouping labels, in the order written.</param>
    /// <param name="discovery">The series whose label values make the groups (the indicator's total).</param>
    /// <param name="indicator">The indicator of one group, given the group's equality matchers.</param>
    public GroupedObjective(Objective template, IReadOnlyList<string> groupBy, SeriesSelector discovery, Func<IReadOnlyList<LabelMatcher>, Indicator> indicator)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(groupBy);
        if (groupBy.Count == 0)
            throw new ArgumentException("A grouped objective needs at least one grouping label.", nameof(groupBy));
        if (groupBy.Any(l => !SeriesSelector.IsLabelName(l)) || groupBy.Distinct(StringComparer.Ordinal).Count() != groupBy.Count)
            throw new ArgumentException("The grouping labels must be distinct label names.", nameof(groupBy));
        Template = template;
        GroupBy = groupBy;
        Discovery = discovery ?? throw new ArgumentNullException(nameof(discovery));
        _indicator = indicator ?? throw new ArgumentNullException(nameof(indicator));
    }

    public ObjectiveId Id => Template.Id;
    public Objective Template { get; }
    public IReadOnlyList<string> GroupBy { get; }
    public SeriesSelector Discovery { get; }

    /// <summary>Where the grouping is written, for messages.</summary>
    public SourceLocation? GroupingAt { get; init; }

    /// <summary>
    /// The objective of one group: the group's matchers added to every selector, the values added to its labels (those
    /// the service sets itself, such as <c>job</c>, stay in the name only), and named by <see cref="NameOf"/>.
    /// </summary>
    public Objective Expand(IReadOnlyDictionary<string, string> group)
    {
        var values = GroupBy.Select(l => group.GetValueOrDefault(l) ?? "").ToArray();
        var matchers = GroupBy.Select((l, i) => new LabelMatcher(l, MatchOperator.Equal, values[i])).ToArray();
        var labels = new Dictionary<string, string>(Template.Labels, StringComparer.Ordinal);
        for (var i = 0; i < GroupBy.Count; i++)
        {
            if (!Yaml.FieldRules.IsReservedLabel(GroupBy[i]))
                labels[GroupBy[i]] = values[i];
        }

        var t = Template;
        return new Objective(new ObjectiveId(t.Service, NameOf(t.Name, values)), t.Signal, t.Target, t.Window, _indicator(matchers), t.Budgeting, t.Alerting,
            labels, t.Description, t.DefinedAt);
    }

    /// <summary>
    /// The name of a group's objective: the template's name and the values joined by '-' (<c>availability-api-eu</c>).
    /// When a value is empty or holds a character an id may not carry, or the name would pass 128 characters, the
    /// readable part is cut and cleaned and the first 8 hex digits of a SHA-256 over the values follow, so the name
    /// stays unique, stable across restarts and a valid <see cref="ObjectiveId"/> part.
    /// </summary>
    public static string NameOf(string name, IReadOnlyList<string> values)
    {
        var plain = name + "-" + string.Join("-", values);
        if (values.All(v => v.Length > 0 && v.All(Allowed)) && ObjectiveId.IsValidPart(plain))
            return plain;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\0", values))))[..8];
        var readable = new string(string.Join("-", values).Select(c => Allowed(c) ? c : '_').ToArray());
        if (name.Length > 128 - hash.Length - 1)
            name = name[..(128 - hash.Length - 1)].TrimEnd('-', '.', '_');
        var room = 128 - name.Length - hash.Length - 2;
        readable = room > 0 ? readable[..Math.Min(readable.Length, room)] : "";
        return readable.Length > 0 ? $"{name}-{readable}-{hash}" : $"{name}-{hash}";
    }

    private static bool Allowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    public override string ToString() => $"{Id} by ({string.Join(", ", GroupBy)})";
}
