using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>Corrections written beside the objectives of a native document.</summary>
[TestFixture]
public class CorrectionDefinitionTests
{
    private const string Document = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'e_total', total: 'r_total' } }
          - name: latency
            target: 99
            window: 30d
            indicator: { ratio: { bad: 'slow_total', total: 'r_total' } }
        corrections:
          - name: weekly-maintenance
            start: 2026-01-04T02:00:00
            duration: 2h
            rrule: FREQ=WEEKLY;BYDAY=SU
            timeZone: Europe/Berlin
            objectives: [availability]
            reason: database maintenance
          - name: bad-deploy
            start: 2026-10-12T08:15
            duration: 45m
        """;

    private static DefinitionSet Load(string yaml) => DefinitionLoader.LoadText(yaml, "defs/checkout.yaml");

    private static string Break(string text, string replacement)
    {
        if (!Document.Contains(text, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{text}' to replace", nameof(text));
        return Document.Replace(text, replacement, StringComparison.Ordinal);
    }

    [Test]
    public void Load_Corrections_BuildTheModel()
    {
        var set = Load(Document);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        var corrections = set.FindService("checkout")!.Corrections;
        Assert.Multiple(() =>
        {
            Assert.That(corrections.Select(c => c.Id), Is.EqualTo(new[] { "definitions:checkout/weekly-maintenance", "definitions:checkout/bad-deploy" }));
            Assert.That(corrections[0].Zone.Id, Is.EqualTo("Europe/Berlin"));
            Assert.That(corrections[0].Recurrence, Is.EqualTo("FREQ=WEEKLY;BYDAY=SU"));
            Assert.That(corrections[0].Objectives, Is.EqualTo(new[] { "availability" }));
            Assert.That(corrections[0].Reason, Is.EqualTo("database maintenance"));
            Assert.That(corrections[0].DefinedAt!.Line, Is.EqualTo(14));
            Assert.That(corrections[1].Zone, Is.EqualTo(DateTimeZone.Utc), "UTC unless a zone is given");
            Assert.That(corrections[1].FirstStart, Is.EqualTo(Instant.FromUtc(2026, 10, 12, 8, 15)));
            Assert.That(corrections[1].Length.ToDuration(), Is.EqualTo(Duration.FromMinutes(45)));
            Assert.That(corrections[1].Objectives, Is.Empty, "every objective of the service");
        });
    }

    [TestCase("objectives: [availability]", "objectives: [availabilty]", "defs/checkout.yaml:19:18: corrections[0].objectives[0]: service 'checkout' has no objective 'availabilty'; known: availability, latency")]
    [TestCase("rrule: FREQ=WEEKLY;BYDAY=SU", "rrule: FREQ=WEEKLY;BYDAY=XX", "defs/checkout.yaml:17:12: corrections[0].rrule: not an RFC 5545 recurrence rule")]
    [TestCase("start: 2026-01-04T02:00:00", "start: 2026-01-04T02:00:00Z", "defs/checkout.yaml:15:12: corrections[0].start: '2026-01-04T02:00:00Z' is not a local date and time")]
    [TestCase("timeZone: Europe/Berlin", "timeZone: Europe/Atlantis", "defs/checkout.yaml:18:15: corrections[0].timeZone: unknown time zone 'Europe/Atlantis'")]
    [TestCase("duration: 45m", "duration: 0s", "defs/checkout.yaml:23:15: corrections[1].duration: '0s' must be longer than zero")]
    [TestCase("duration: 45m", "length: 45m", "defs/checkout.yaml:23:5: corrections[1].length: unknown key")]
    [TestCase("name: bad-deploy", "name: weekly-maintenance", "defs/checkout.yaml:21:11: corrections[1].name: duplicate correction 'weekly-maintenance': first defined at defs/checkout.yaml:14:11")]
    public void Load_BrokenCorrection_IsALocatedError(string line, string replacement, string error)
    {
        var set = Load(Break(line, replacement));
        Assert.That(set.Errors.Select(e => e.ToString()), Has.One.StartsWith(error));
        Assert.That(set.IsValid, Is.False);
    }
}
