using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Slo.Api.Hosting;
using Slo.Engine.Definitions;
using Slo.Engine.Time;

namespace Slo.Api.Definitions;

/// <summary>The <c>Definitions</c> configuration section.</summary>
public sealed class DefinitionsOptions : IValidatableObject
{
    public const string Section = "Definitions";

    /// <summary>The folder read when nothing says otherwise (also the default of <c>slo validate</c> and <c>slo rules</c>).</summary>
    public const string DefaultPath = "slo-definitions";

    /// <summary>The folder whose <c>*.yaml</c>/<c>*.yml</c> files hold the objectives.</summary>
    [Required(ErrorMessage = "Definitions:Path is required.")]
    public string Path { get; set; } = DefaultPath;

    /// <summary>Reload when a file under <see cref="Path"/> changes (a watcher, and a check of the files' contents every
    /// <see cref="CheckInterval"/> where the watcher misses events: network file systems, some container mounts).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>How often the files' contents are compared with what was loaded, as a fallback of the watcher.</summary>
    public string CheckInterval { get; set; } = "30s";

    /// <summary>How often grouped objectives (Pyrra <c>grouping</c>) look for new and vanished label values.</summary>
    public string GroupingRefresh { get; set; } = "5m";

    public Duration GetCheckInterval() => DurationText.Parse(CheckInterval);

    public Duration GetGroupingRefresh() => DurationText.Parse(GroupingRefresh);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(CheckInterval), CheckInterval), (nameof(GroupingRefresh), GroupingRefresh) })
        {
            if (!DurationText.TryParse(value, out var d, out var error))
                yield return new ValidationResult($"Definitions:{name}: {error}", [name]);
            else if (d < Duration.FromSeconds(1))
                yield return new ValidationResult($"Definitions:{name} must be at least 1s.", [name]);
        }
    }
}

/// <summary>Thrown at start-up when the definitions do not validate; the message lists every error.</summary>
public sealed class InvalidDefinitionsException(string message) : Exception(message);

/// <summary>What started a reload.</summary>
public enum ReloadTrigger
{
    Startup,
    Sighup,
    Http,
    File,
}

/// <summary>One attempt to load the definitions: when, why, whether it was taken, and what it found or changed.</summary>
public sealed record ReloadAttempt(
    Instant At,
    ReloadTrigger Trigger,
    bool Success,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    DefinitionChanges? Changes);

/// <summary>The running set changed, or was read again: what is new, what went, what stayed.</summary>
/// <param name="Reloaded">True when the files were read (every successful reload, even one that changed nothing);
/// false when only grouped objectives' groups changed.</param>
public sealed record DefinitionsChanged(DefinitionSet Previous, DefinitionSet Current, DefinitionChanges Changes, bool Reloaded);

/// <summary>
/// The definitions the service runs with. Loaded at start-up, where an invalid set stops the service; reloaded later
/// (SIGHUP, <c>POST /-/reload</c>, a file change), where an invalid set is refused whole and the running set stays.
/// <see cref="Current"/> is an immutable set swapped in one step, so a reader sees the old set or the new one, never a
/// mix; <see cref="Changed"/> tells the parts that keep per-objective state. Grouped objectives are expanded from the
/// groups last found (<see cref="ApplyGroups"/>).
/// </summary>
public sealed class DefinitionCatalog
{
    private readonly Lock _gate = new();
    private readonly string? _path;
    private readonly IClock _clock;
    private readonly ILogger? _logger;
    private DefinitionSet _loaded;
    private volatile DefinitionSet _current;
    // The groups last found per template, with the shape (grouping labels and series) they were found for.
    private Dictionary<ObjectiveId, (string Shape, IReadOnlyList<IReadOnlyDictionary<string, string>> Groups)> _groups = [];

    public DefinitionCatalog(IOptions<DefinitionsOptions> options, IClock clock, ILogger<DefinitionCatalog> logger)
    {
        _path = options.Value.Path;
        _clock = clock;
        _logger = logger;
        FilesSignature = Signature(_path);
        var set = DefinitionLoader.LoadDirectory(_path);
        foreach (var warning in set.Warnings)
            logger.LogWarning("{Diagnostic}", warning.ToString());
        if (!set.IsValid)
        {
            throw new InvalidDefinitionsException(
                $"The definitions in '{_path}' do not validate (run 'slo validate {_path}'):\n" + string.Join("\n", set.Errors));
        }

        logger.LogInformation("Loaded {Objectives} objectives of {Services} services from {Path}", set.Objectives.Count, set.Services.Count, _path);
        _loaded = set;
        _current = Expand(set, out _);
        LastSuccessAt = LoadedAt = clock.Now();
        LastAttempt = new ReloadAttempt(LoadedAt, ReloadTrigger.Startup, true, [], set.Warnings.Select(w => w.ToString()).ToArray(), null);
    }

    /// <summary>A catalog of a fixed set (tests, tools): it has no folder to reload from.</summary>
    public DefinitionCatalog(DefinitionSet set)
    {
        _loaded = set;
        _current = Expand(set, out _);
        _clock = SystemClock.Instance;
        LastSuccessAt = LoadedAt = _clock.Now();
        LastAttempt = new ReloadAttempt(LoadedAt, ReloadTrigger.Startup, true, [], [], null);
    }

    /// <summary>The running set, grouped objectives expanded.</summary>
    public DefinitionSet Current => _current;

    /// <summary>The running set as read from the files (grouped objectives as templates).</summary>
    public DefinitionSet Loaded
    {
        get
        {
            lock (_gate)
                return _loaded;
        }
    }

    public string? Path => _path;

    /// <summary>When the running set was read from the files.</summary>
    public Instant LoadedAt { get; private set; }

    /// <summary>The latest attempt to load, taken or refused.</summary>
    public ReloadAttempt LastAttempt { get; private set; }

    /// <summary>When the last attempt that was taken happened.</summary>
    public Instant LastSuccessAt { get; private set; }

    /// <summary>Expansions that could not be added (their name was taken), from the last <see cref="ApplyGroups"/>.</summary>
    public IReadOnlyList<string> GroupConflicts { get; private set; } = [];

    /// <summary>What the files held at the last attempt (taken or refused), by <see cref="Signature"/>.</summary>
    public string FilesSignature { get; private set; } = "";

    /// <summary>A digest of the definition files' names and contents (the loader's own choice of files): a change of any
    /// of them, a new file or a removed one changes it; touching a file without changing it does not.</summary>
    public static string Signature(string path)
    {
        try
        {
            return Digest(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder itself is being swapped (a ConfigMap update): the next check reads it whole.
            return "unreadable";
        }
    }

    private static string Digest(string path)
    {
        if (!Directory.Exists(path))
            return "missing";
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in DefinitionLoader.FilesIn(path))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(System.IO.Path.GetRelativePath(path, file) + "\0"));
            try
            {
                hash.AppendData(File.ReadAllBytes(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Being replaced right now: the next check sees the new file.
                hash.AppendData("unreadable"u8);
            }

            hash.AppendData([0]);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Raised after the running set changed, outside the catalog's lock, in the order of the changes.</summary>
    public event Action<DefinitionsChanged>? Changed;

    /// <summary>
    /// Reads the folder again. A set with any error is refused whole (the running set stays, the attempt says why);
    /// a valid one replaces the running set in one step.
    /// </summary>
    public ReloadAttempt Reload(ReloadTrigger trigger)
    {
        if (_path is null)
            throw new InvalidOperationException("This catalog was built from a fixed set and has no folder to reload.");
        DefinitionsChanged? change = null;
        ReloadAttempt attempt;
        lock (_gate)
        {
            var at = _clock.Now();
            // Taken before reading: a file written meanwhile differs from it, so the next check reads it again.
            FilesSignature = Signature(_path);
            var set = DefinitionLoader.LoadDirectory(_path);
            var warnings = set.Warnings.Select(w => w.ToString()).ToArray();
            if (!set.IsValid)
            {
                attempt = new ReloadAttempt(at, trigger, false, set.Errors.Select(e => e.ToString()).ToArray(), warnings, null);
                _logger?.LogError("Reloading the definitions ({Trigger}) failed; the running set stays:\n{Errors}", trigger, string.Join("\n", attempt.Errors));
            }
            else
            {
                var previous = _current;
                // Groups found for a template that is gone, or now groups by other labels or series, no longer apply.
                var shapes = set.Grouped.ToDictionary(g => g.Id, Shape);
                _groups = _groups.Where(kv => shapes.GetValueOrDefault(kv.Key) == kv.Value.Shape).ToDictionary();
                var next = Expand(set, out var conflicts);
                var changes = DefinitionChanges.Between(previous, next);
                _loaded = set;
                _current = next;
                GroupConflicts = conflicts;
                LoadedAt = at;
                attempt = new ReloadAttempt(at, trigger, true, [], warnings, changes);
                change = new DefinitionsChanged(previous, next, changes, Reloaded: true);
                foreach (var warning in warnings)
                    _logger?.LogWarning("{Diagnostic}", warning);
                _logger?.LogInformation("Reloaded the definitions ({Trigger}): {Added} added, {Changed} changed, {Removed} removed, {Unchanged} unchanged",
                    trigger, changes.Added.Count, changes.Changed.Count, changes.Removed.Count, changes.Unchanged.Count);
            }

            LastAttempt = attempt;
            if (attempt.Success)
                LastSuccessAt = at;
        }

        if (change is not null)
            Changed?.Invoke(change);
        return attempt;
    }

    /// <summary>The groups last found for each grouped objective, by template id.</summary>
    public IReadOnlyDictionary<ObjectiveId, IReadOnlyList<IReadOnlyDictionary<string, string>>> Groups
    {
        get
        {
            lock (_gate)
                return _groups.ToDictionary(kv => kv.Key, kv => kv.Value.Groups);
        }
    }

    private static string Shape(GroupedObjective g) => string.Join(",", g.GroupBy) + " " + g.Discovery;

    /// <summary>Expands the grouped objectives from the groups found for them (a template left out keeps the groups it
    /// had; one that the running set no longer holds as it was is ignored). Returns what changed.</summary>
    public DefinitionChanges ApplyGroups(IReadOnlyList<(GroupedObjective Template, IReadOnlyList<IReadOnlyDictionary<string, string>> Groups)> found)
    {
        DefinitionsChanged? change;
        lock (_gate)
        {
            var shapes = _loaded.Grouped.ToDictionary(g => g.Id, Shape);
            foreach (var (template, groups) in found)
            {
                if (shapes.GetValueOrDefault(template.Id) == Shape(template))
                    _groups[template.Id] = (Shape(template), groups);
            }

            var previous = _current;
            var next = Expand(_loaded, out var conflicts);
            GroupConflicts = conflicts;
            var changes = DefinitionChanges.Between(previous, next);
            if (!changes.Any)
                return changes;
            _current = next;
            change = new DefinitionsChanged(previous, next, changes, Reloaded: false);
            _logger?.LogInformation("Grouped objectives: {Added} added, {Removed} removed", changes.Added.Count, changes.Removed.Count);
        }

        Changed?.Invoke(change);
        return change.Changes;
    }

    private DefinitionSet Expand(DefinitionSet set, out IReadOnlyList<string> conflicts)
    {
        if (!set.Grouped.Any())
        {
            conflicts = [];
            return set;
        }

        var expanded = set.WithGroups(_groups.ToDictionary(kv => kv.Key, kv => kv.Value.Groups), out conflicts);
        foreach (var conflict in conflicts)
            _logger?.LogWarning("Grouped objective left out: {Conflict}", conflict);
        return expanded;
    }
}
