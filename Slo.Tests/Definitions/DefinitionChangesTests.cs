using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

[TestFixture]
public class DefinitionChangesTests
{
    private static string Service(string name, string target = "99.9", string labels = "", string window = "30d", string bad = "code=~\"5..\"") => $$"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: {{name}}
        objectives:
          - name: availability
            target: {{target}}
            window: {{window}}{{labels}}
            indicator: { ratio: { bad: 'http_requests_total{job="{{name}}",{{bad}}}', total: 'http_requests_total{job="{{name}}"}' } }
        """;

    private static DefinitionSet Load(params (string File, string Text)[] files) => DefinitionLoader.Load(files);

    [Test]
    public void Between_SameObjectivesInOtherFiles_AreUnchanged()
    {
        var before = Load(("a.yaml", Service("a") + "\n---\n" + Service("b")));
        var after = Load(("b.yaml", Service("b")), ("z/a.yaml", "\n\n" + Service("a")));
        var changes = DefinitionChanges.Between(before, after);
        Assert.That(changes.Any, Is.False);
        Assert.That(changes.Unchanged.Select(id => id.ToString()), Is.EquivalentTo(new[] { "a/availability", "b/availability" }));
    }

    [TestCase("target", "99")]
    [TestCase("window", "28d")]
    [TestCase("labels", "\n    labels: { tier: gold }")]
    [TestCase("bad", "code=\"500\"")]
    public void Between_OnePartDiffers_IsChanged(string part, string value)
    {
        var before = Load(("a.yaml", Service("a")));
        var after = Load(("a.yaml", part switch
        {
            "target" => Service("a", target: value),
            "window" => Service("a", window: value),
            "labels" => Service("a", labels: value),
            _ => Service("a", bad: value),
        }));
        var changes = DefinitionChanges.Between(before, after);
        Assert.That(changes.Changed.Select(id => id.ToString()), Is.EqualTo(new[] { "a/availability" }));
        Assert.That(changes.Added.Concat(changes.Removed).Concat(changes.Unchanged), Is.Empty);
    }

    [Test]
    public void Between_AddedAndRemoved_AreNamed()
    {
        var changes = DefinitionChanges.Between(Load(("a.yaml", Service("a"))), Load(("b.yaml", Service("b"))));
        Assert.That(changes.Added.Select(id => id.ToString()), Is.EqualTo(new[] { "b/availability" }));
        Assert.That(changes.Removed.Select(id => id.ToString()), Is.EqualTo(new[] { "a/availability" }));
    }
}
