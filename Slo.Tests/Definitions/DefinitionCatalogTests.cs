using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime.Testing;
using Slo.Api.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>The catalog over a real folder: a reload swaps the set whole or not at all.</summary>
[TestFixture]
public class DefinitionCatalogTests
{
    private const string Good = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{code=~"5.."}', total: 'http_requests_total' } }
        """;

    private string _dir = "";

    [SetUp]
    public void Create()
    {
        _dir = Path.Combine(Path.GetTempPath(), "slo-catalog-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "checkout.yaml"), Good);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private DefinitionCatalog Catalog(FakeClock clock) =>
        new(Options.Create(new DefinitionsOptions { Path = _dir }), clock, NullLogger<DefinitionCatalog>.Instance);

    [Test]
    public void Reload_InvalidSet_KeepsTheRunningSetAndSaysWhere()
    {
        var clock = new FakeClock(Instant.FromUtc(2026, 11, 26, 10, 0));
        var catalog = Catalog(clock);
        var running = catalog.Current;
        var raised = 0;
        catalog.Changed += _ => raised++;
        File.WriteAllText(Path.Combine(_dir, "broken.yaml"), Good.Replace("checkout", "cart").Replace("99.9", "100"));
        clock.AdvanceMinutes(1);

        var attempt = catalog.Reload(ReloadTrigger.Sighup);

        Assert.Multiple(() =>
        {
            Assert.That(attempt.Success, Is.False);
            Assert.That(attempt.Errors, Has.Exactly(1).StartsWith(Path.Combine(_dir, "broken.yaml") + ":6:13: objectives[0].target:"));
            Assert.That(catalog.Current, Is.SameAs(running));
            Assert.That(catalog.LastAttempt, Is.SameAs(attempt));
            Assert.That(catalog.LastSuccessAt, Is.LessThan(attempt.At));
            Assert.That(raised, Is.Zero);
        });
    }

    [Test]
    public void Reload_ValidSet_SwapsAndTellsWhatChanged()
    {
        var catalog = Catalog(new FakeClock(Instant.FromUtc(2026, 11, 26, 10, 0)));
        DefinitionsChanged? seen = null;
        catalog.Changed += c => seen = c;
        var signature = catalog.FilesSignature;
        File.WriteAllText(Path.Combine(_dir, "cart.yaml"), Good.Replace("checkout", "cart"));
        Assert.That(DefinitionCatalog.Signature(_dir), Is.Not.EqualTo(signature), "a new file changes the signature");

        var attempt = catalog.Reload(ReloadTrigger.File);

        Assert.Multiple(() =>
        {
            Assert.That(attempt.Success);
            Assert.That(attempt.Changes!.Added.Select(id => id.ToString()), Is.EqualTo(new[] { "cart/availability" }));
            Assert.That(seen?.Reloaded, Is.True);
            Assert.That(catalog.Current.Objectives, Has.Count.EqualTo(2));
            Assert.That(catalog.FilesSignature, Is.EqualTo(DefinitionCatalog.Signature(_dir)));
        });
    }

    [Test]
    public void Signature_TouchedButUnchanged_IsTheSame()
    {
        var before = DefinitionCatalog.Signature(_dir);
        File.SetLastWriteTimeUtc(Path.Combine(_dir, "checkout.yaml"), DateTime.UtcNow.AddHours(1));
        File.WriteAllText(Path.Combine(_dir, ".checkout.yaml.swp"), "editor state");
        Assert.That(DefinitionCatalog.Signature(_dir), Is.EqualTo(before));
    }
}
