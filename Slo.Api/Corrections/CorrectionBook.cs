using System.Collections.Concurrent;
using Slo.Api.Definitions;
using Slo.Api.Storage;
using Slo.Engine.Corrections;
using Slo.Engine.Definitions;

namespace Slo.Api.Corrections;

/// <summary>
/// Every correction in force: those of the definitions and those posted through the API. Answers, per objective, the
/// periods to exclude, expanded from the recurrence rules once per objective and day rather than per measurement.
/// </summary>
public sealed class CorrectionBook(DefinitionCatalog catalog, CorrectionStore store)
{
    // Expanded periods reach this far beyond what was asked, so a clock moving on reuses them for a day.
    private static readonly Duration Reach = Duration.FromDays(1);

    private readonly SemaphoreSlim _load = new(1, 1);
    private readonly ConcurrentDictionary<ObjectiveId, Cached> _cache = new();
    private volatile IReadOnlyList<Correction>? _stored;
    private long _version;

    private sealed record Cached(long Version, Instant From, Instant To, Exclusions Exclusions);

    /// <summary>Rises with every change, so callers can tell when budgets must be recomputed.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Corrections of the definitions and of the API; the API's are known once <see cref="EnsureLoadedAsync"/> ran.</summary>
    public IEnumerable<Correction> All => catalog.Current.Services.SelectMany(s => s.Corrections).Concat(_stored ?? []);

    public IEnumerable<Correction> Of(string service) => All.Where(c => c.Service == service);

    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_stored is not null)
            return;
        await _load.WaitAsync(cancellationToken);
        try
        {
            if (_stored is null)
            {
                _stored = await store.ActiveAsync(cancellationToken);
                Changed();
            }
        }
        finally
        {
            _load.Release();
        }
    }

    /// <summary>Reads the API's corrections again (another replica may have posted or ended one); budgets are recomputed
    /// only when something changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ActiveAsync(cancellationToken);
        await _load.WaitAsync(cancellationToken);
        try
        {
            if (_stored is not null && _stored.Select(c => c.Id).SequenceEqual(stored.Select(c => c.Id), StringComparer.Ordinal))
                return;
            _stored = stored;
            Changed();
        }
        finally
        {
            _load.Release();
        }
    }

    /// <summary>Stores a correction posted through the API and puts it in force at once.</summary>
    public async Task AddAsync(Correction correction, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        await store.AddAsync(correction, cancellationToken);
        await _load.WaitAsync(cancellationToken);
        try
        {
            _stored = [.. _stored ?? [], correction];
            Changed();
        }
        finally
        {
            _load.Release();
        }
    }

    /// <summary>Ends a correction posted through the API; false when the service has none by that id.</summary>
    public async Task<Correction?> DeleteAsync(string service, string id, string actor, string reason, Instant at, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        var found = _stored!.FirstOrDefault(c => c.Id == id && c.Service == service);
        if (found is null || !await store.DeleteAsync(service, id, actor, reason, at, cancellationToken))
            return null;
        await _load.WaitAsync(cancellationToken);
        try
        {
            _stored = _stored!.Where(c => c.Id != id).ToArray();
            Changed();
        }
        finally
        {
            _load.Release();
        }

        return found;
    }

    /// <summary>The periods excluded from <paramref name="objective"/>'s events within [from, to).</summary>
    public Exclusions For(Objective objective, Instant from, Instant to)
    {
        var version = Version;
        if (_cache.TryGetValue(objective.Id, out var cached) && cached.Version == version && cached.From <= from && cached.To >= to)
            return cached.Exclusions;
        var applying = All.Where(c => c.AppliesTo(objective.Id)).ToArray();
        if (applying.Length == 0)
        {
            _cache[objective.Id] = new Cached(version, Instant.MinValue, Instant.MaxValue, Exclusions.None);
            return Exclusions.None;
        }

        var reachFrom = from - Reach;
        var reachTo = to + Reach;
        var exclusions = Exclusions.Of(applying.SelectMany(c => c.Occurrences(reachFrom, reachTo)));
        _cache[objective.Id] = new Cached(version, reachFrom, reachTo, exclusions);
        return exclusions;
    }

    /// <summary>The definitions were reloaded: their corrections may differ, so every cached expansion goes.</summary>
    public void Invalidate() => Changed();

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        _cache.Clear();
    }
}
