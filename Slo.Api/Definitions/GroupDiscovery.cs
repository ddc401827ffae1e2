using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Slo.Api.Hosting;
using Slo.Api.Prometheus;
using Slo.Engine.Definitions;

namespace Slo.Api.Definitions;

/// <summary>How the last search for one grouped objective's groups went.</summary>
public sealed record GroupSearch(Instant At, int Groups, string? Error);

/// <summary>
/// Finds the groups of every grouped objective (Pyrra <c>grouping</c>) in Prometheus: each combination of the grouping
/// labels' values on the series of its total that have samples in the objective's window, as Pyrra's own rules (a
/// <c>sum by</c> over the window) see them. Asks at start-up (before the first cycle, for at most
/// <see cref="StartupWait"/>), every <c>Definitions:GroupingRefresh</c> and after each reload. A value that appears
/// becomes an objective at the next search; one whose series have left the window leaves like a removed objective. A
/// search that fails keeps the groups last found.
/// </summary>
public sealed class GroupDiscovery(
    DefinitionCatalog catalog,
    PrometheusSources sources,
    IClock clock,
    IOptions<DefinitionsOptions> options,
    ILogger<GroupDiscovery> logger) : BackgroundService
{
    /// <summary>The longest start-up waits for the first search.</summary>
    public static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly SemaphoreSlim _reloaded = new(0, 1);
    private readonly ConcurrentDictionary<ObjectiveId, GroupSearch> _searches = new();

    /// <summary>The last search per grouped objective (by template id).</summary>
    public IReadOnlyDictionary<ObjectiveId, GroupSearch> Searches => _searches;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Changed += change =>
        {
            // A reload may bring new or changed templates: search again now (a search's own changes do not count).
            if (change.Reloaded && change.Current.Grouped.Any())
            {
                try
                {
                    _reloaded.Release();
                }
                catch (SemaphoreFullException)
                {
                }
            }
        };
        if (catalog.Loaded.Grouped.Any())
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(StartupWait);
            try
            {
                await RefreshAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Finding the groups of grouped objectives took longer than {Wait}; they appear when the search ends", StartupWait);
            }
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.GetGroupingRefresh().ToTimeSpan();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _reloaded.WaitAsync(every, stoppingToken);
                await RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Finding the groups of grouped objectives failed");
            }
        }
    }

    /// <summary>Searches the groups of every grouped objective once and applies what was found.</summary>
    public async Task<DefinitionChanges?> RefreshAsync(CancellationToken cancellationToken)
    {
        var templates = catalog.Loaded.Grouped.ToArray();
        if (templates.Length == 0)
            return null;
        await _one.WaitAsync(cancellationToken);
        try
        {
            var now = clock.Now();
            var found = new List<(GroupedObjective, IReadOnlyList<IReadOnlyDictionary<string, string>>)>();
            foreach (var template in templates)
            {
                try
                {
                    var groups = await DiscoverAsync(template, now, cancellationToken);
                    found.Add((template, groups));
                    _searches[template.Id] = new GroupSearch(now, groups.Count, null);
                }
                catch (PrometheusException e)
                {
                    // The groups last found stay.
                    logger.LogWarning("Finding the groups of {Objective} failed; its last groups stay: {Reason}", template.Id, e.Message);
                    _searches[template.Id] = new GroupSearch(now, catalog.Groups.GetValueOrDefault(template.Id)?.Count ?? 0, e.Message);
                }
            }

            foreach (var gone in _searches.Keys.Where(id => templates.All(t => t.Id != id)))
                _searches.TryRemove(gone, out _);
            return catalog.ApplyGroups(found);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>
    /// The groups of one grouped objective: the distinct combinations of its grouping labels' values on the series of its
    /// total with samples in its window (a series without a label has the value ""), in a stable order. One series request
    /// (the index only) to the template's own source.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> DiscoverAsync(GroupedObjective template, Instant now, CancellationToken cancellationToken)
    {
        var from = template.Template.Window.ElapsedAt(now).Start;
        var series = await sources.For(template.Template).SeriesAsync(template.Discovery.ToString(), from, now, cancellationToken);
        return series
            .Select(s => template.GroupBy.Select(l => s.GetValueOrDefault(l) ?? "").ToArray())
            .DistinctBy(c => string.Join("\0", c))
            .OrderBy(c => string.Join("\0", c), StringComparer.Ordinal)
            .Select(c => (IReadOnlyDictionary<string, string>)template.GroupBy.Select((l, i) => (l, c[i])).ToDictionary(p => p.l, p => p.Item2, StringComparer.Ordinal))
            .ToArray();
    }
}
