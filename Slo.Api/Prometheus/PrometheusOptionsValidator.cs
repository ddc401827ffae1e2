using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Slo.Engine.Definitions;

namespace Slo.Api.Prometheus;

/// <summary>
/// Rules of the default source and of every named one that attributes cannot express. Every mistake is reported at
/// start-up at once, naming the setting (<c>Prometheus:Sources:NAME:Tls:CaFile ...</c>); files are read now, so a
/// wrong path or a broken certificate stops the service instead of failing every request. Messages name paths and
/// settings, never a token, a password or a URL's user information.
/// </summary>
internal sealed class PrometheusOptionsValidator : IValidateOptions<PrometheusOptions>
{
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);

    public ValidateOptionsResult Validate(string? name, PrometheusOptions options)
    {
        var errors = new List<string>();
        foreach (var (sourceName, _) in options.Sources)
        {
            if (sourceName.Equals(Objective.DefaultSource, StringComparison.OrdinalIgnoreCase))
                errors.Add($"{PrometheusOptions.Section}:Sources:{sourceName} is not allowed: '{Objective.DefaultSource}' is the source of {PrometheusOptions.Section}:Url.");
            else if (!ObjectiveId.IsValidPart(sourceName))
                errors.Add($"{PrometheusOptions.Section}:Sources:{sourceName}: '{sourceName}' is not a valid source name: use letters, digits, '.', '_' and '-'.");
        }

        foreach (var source in options.Resolve())
            Check(source, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(PrometheusSource source, List<string> errors)
    {
        var at = source.Setting;
        var url = source.Url;
        if (url is null)
            errors.Add($"{at}:Url is required.");
        else if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            errors.Add($"{at}:Url '{PrometheusClient.Redact(url)}' must be an absolute http(s) URL.");
        else if (url.UserInfo.Length > 0)
            errors.Add($"{at}:Url '{PrometheusClient.Redact(url)}' holds a user name or password, which would show wherever the URL does: give them in {at}:BasicAuth.");

        if (source.AttemptTimeout < MinTimeout || source.AttemptTimeout > TimeSpan.FromMinutes(10))
            errors.Add($"{at}:AttemptTimeout must be between 00:00:00.100 and 00:10:00.");
        if (source.TotalTimeout < MinTimeout || source.TotalTimeout > TimeSpan.FromMinutes(30))
            errors.Add($"{at}:TotalTimeout must be between 00:00:00.100 and 00:30:00.");
        if (source.TotalTimeout < source.AttemptTimeout)
            errors.Add($"{at}:TotalTimeout must be at least {at}:AttemptTimeout.");
        if (source.MaxRetries is < 0 or > 10)
            errors.Add($"{at}:MaxRetries must be between 0 and 10.");

        var c = source.Connection;
        var bearer = c.BearerToken is not null || c.BearerTokenFile is not null;
        if (c.BearerToken is not null && c.BearerTokenFile is not null)
            errors.Add($"{at}: give BearerToken or BearerTokenFile, not both.");
        if (c.BearerToken is { } token && string.IsNullOrWhiteSpace(token))
            errors.Add($"{at}:BearerToken is empty.");
        if (c.BearerTokenFile is { } tokenFile)
            Readable($"{at}:BearerTokenFile", tokenFile, () => PrometheusConnection.ReadSecret(tokenFile), errors);

        if (c.BasicAuth is { } basic && (basic.Username ?? basic.Password ?? basic.PasswordFile) is not null)
        {
            if (bearer)
                errors.Add($"{at}: give a bearer token or BasicAuth, not both.");
            if (string.IsNullOrEmpty(basic.Username))
                errors.Add($"{at}:BasicAuth:Username is required with a password.");
            else if (basic.Username.Contains(':', StringComparison.Ordinal))
                errors.Add($"{at}:BasicAuth:Username cannot contain ':'.");
            if (basic.Password is not null && basic.PasswordFile is not null)
                errors.Add($"{at}:BasicAuth: give Password or PasswordFile, not both.");
            else if (basic.Password is null && basic.PasswordFile is null)
                errors.Add($"{at}:BasicAuth: give Password or PasswordFile.");
            if (basic.PasswordFile is { } passwordFile)
                Readable($"{at}:BasicAuth:PasswordFile", passwordFile, () => PrometheusConnection.ReadSecret(passwordFile), errors);
        }

        foreach (var (header, value) in c.Headers)
        {
            if (header.Length == 0 || header.Any(ch => ch <= ' ' || ch >= 127 || "()<>@,;:\\\"/[]?={}".Contains(ch, StringComparison.Ordinal)))
                errors.Add($"{at}:Headers:{header}: '{header}' is not an HTTP header name.");
            else if (value.Any(ch => ch is '\r' or '\n' or '\0'))
                errors.Add($"{at}:Headers:{header}: a header value cannot hold a line break.");
            else if (header.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && (bearer || c.BasicAuth is not null))
                errors.Add($"{at}:Headers:Authorization: give it or a bearer token or BasicAuth, not both.");
        }

        if (c.Tls is { } tls)
        {
            if (url is { IsAbsoluteUri: true, Scheme: "http" } && (tls.CaFile ?? tls.CertFile ?? tls.KeyFile) is not null)
                errors.Add($"{at}:Tls applies to https URLs; {at}:Url is http.");
            if (tls.CaFile is { } caFile)
                Readable($"{at}:Tls:CaFile", caFile, () => PrometheusConnection.LoadAuthorities(caFile), errors);
            if (tls.CertFile is null != tls.KeyFile is null)
                errors.Add($"{at}:Tls: give CertFile and KeyFile together (PEM files).");
            else if (tls.CertFile is { } certFile && tls.KeyFile is { } keyFile)
                Readable($"{at}:Tls:CertFile", certFile, () => PrometheusConnection.LoadClientCertificate(certFile, keyFile).Dispose(), errors);
        }
    }

    /// <summary>Reads a file as the source will, adding why it cannot to <paramref name="errors"/>.</summary>
    private static void Readable(string setting, string path, Action read, List<string> errors)
    {
        try
        {
            read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            errors.Add($"{setting}: cannot read '{path}': {e.Message}");
        }
    }
}
