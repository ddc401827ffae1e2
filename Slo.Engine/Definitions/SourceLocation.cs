namespace Slo.Engine.Definitions;

/// <summary>A place in a definition file; line and column count from 1.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>Whether a finding rejects the definitions or only informs.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One finding of loading or validation, printed as <c>file:line:column: field.path: message</c>.</summary>
public sealed record DefinitionDiagnostic(SourceLocation Location, string Field, string Message, DiagnosticSeverity Severity = DiagnosticSeverity.Error)
{
    public override string ToString() =>
        Severity == DiagnosticSeverity.Error
            ? $"{Location}: {Field}: {Message}"
            : $"{Location}: warning: {Field}: {Message}";
}
