using Slo.Api.Storage;
using Slo.Engine.Corrections;

namespace Slo.Tests.Api;

/// <summary>Corrections and their audit in SQL on every provider: SQLite always, SQL Server when SLO_TEST_SQLSERVER
/// holds a connection string (otherwise reported as skipped, never as passed).</summary>
[TestFixture("sqlite")]
[TestFixture("sqlserver")]
public class CorrectionStoreTests(string provider)
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 26, 12, 0);
    private ProviderDatabase? _provider;
    private CorrectionStore _store = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase()
    {
        _provider = await ProviderDatabase.CreateAsync(provider, "corrections", Now);
        _store = new CorrectionStore(_provider.Database);
    }

    [OneTimeTearDown]
    public void DeleteFile() => _provider?.Delete();

    private static Correction Weekly(string service) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Service = service,
        Objectives = ["availability", "latency"],
        Start = new LocalDateTime(2026, 1, 4, 2, 30),
        Length = Period.FromHours(2) + Period.FromMinutes(15),
        Zone = DateTimeZoneProviders.Tzdb["Asia/Kolkata"],
        Recurrence = "FREQ=WEEKLY;BYDAY=SU",
        Reason = "maintenance",
        CreatedBy = "alice",
        CreatedAt = Now,
    };

    [Test]
    public async Task AddAsync_ThenActiveAsync_ReadsTheSameCorrection()
    {
        var service = "svc-" + Guid.NewGuid().ToString("N")[..8];
        var written = Weekly(service);
        await _store.AddAsync(written, CancellationToken.None);
        var read = (await _store.ActiveAsync(CancellationToken.None)).Single(c => c.Service == service);
        Assert.Multiple(() =>
        {
            Assert.That(read.Id, Is.EqualTo(written.Id));
            Assert.That(read.Objectives, Is.EqualTo(written.Objectives));
            Assert.That(read.Start, Is.EqualTo(written.Start));
            Assert.That(read.Length.Normalize(), Is.EqualTo(written.Length.Normalize()));
            Assert.That(read.Zone.Id, Is.EqualTo("Asia/Kolkata"));
            Assert.That(read.Recurrence, Is.EqualTo(written.Recurrence));
            Assert.That(read.Reason, Is.EqualTo("maintenance"));
            Assert.That(read.CreatedBy, Is.EqualTo("alice"));
            Assert.That(read.CreatedAt, Is.EqualTo(Now));
        });
    }

    [Test]
    public async Task DeleteAsync_MarksItGone_KeepsTheAudit_AndRefusesTwice()
    {
        var service = "svc-" + Guid.NewGuid().ToString("N")[..8];
        var written = Weekly(service);
        await _store.AddAsync(written, CancellationToken.None);

        Assert.That(await _store.DeleteAsync("other", written.Id, "bob", "x", Now, CancellationToken.None), Is.False, "another service's id");
        Assert.That(await _store.DeleteAsync(service, written.Id, "bob", "finished early", Now + Duration.FromHours(1), CancellationToken.None), Is.True);
        Assert.That(await _store.DeleteAsync(service, written.Id, "bob", "again", Now + Duration.FromHours(2), CancellationToken.None), Is.False);

        Assert.That((await _store.ActiveAsync(CancellationToken.None)).Where(c => c.Service == service), Is.Empty);
        var audit = await _store.AuditAsync(written.Id, CancellationToken.None);
        Assert.That(audit.Select(a => (a.Action, a.Actor, a.Reason, a.At)), Is.EqualTo(new[]
        {
            ("create", "alice", "maintenance", Now),
            ("delete", "bob", "finished early", Now + Duration.FromHours(1)),
        }));
    }
}
