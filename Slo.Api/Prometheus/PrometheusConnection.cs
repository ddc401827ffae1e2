using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Slo.Api.Prometheus;

/// <summary>
/// What a source's requests carry and how its server is trusted: the primary handler (TLS: CA, client certificate,
/// skip-verify) and the handler that adds credentials and headers. Secrets read from files are read again when the file
/// changes (a rotated token is used from the next request on); nothing here logs or throws a secret's value.
/// </summary>
internal static class PrometheusConnection
{
    /// <summary>The connection handler of <paramref name="source"/>. Connections are renewed every 5 minutes, so a
    /// rotated client certificate reaches the server on new connections.</summary>
    public static SocketsHttpHandler PrimaryHandler(PrometheusSource source, ILogger logger)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (source.Connection.Tls is not { } tls)
            return handler;

        var setting = $"{source.Setting}:Tls";
        if (tls.CertFile is { } certFile && tls.KeyFile is { } keyFile)
        {
            var client = new WatchedFile<X509Certificate2>($"{setting}:CertFile", [certFile, keyFile], () => LoadClientCertificate(certFile, keyFile), logger);
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client.Value;
        }

        if (tls.InsecureSkipVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (tls.CaFile is { } caFile)
        {
            var authorities = new WatchedFile<X509Certificate2Collection>($"{setting}:CaFile", [caFile], () => LoadAuthorities(caFile), logger);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                certificate is not null && Trusted(certificate, chain, errors, authorities.Value);
        }

        return handler;
    }

    /// <summary>Whether the server's certificate names the host and chains to one of <paramref name="authorities"/>.</summary>
    private static bool Trusted(X509Certificate certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        if (authorities.Count == 0)
            throw new CryptographicException("it holds no PEM certificate");
        return authorities;
    }

    public static X509Certificate2 LoadClientCertificate(string certFile, string keyFile) => X509Certificate2.CreateFromPemFile(certFile, keyFile);

    /// <summary>The text of a secret file without surrounding white space (a trailing line break is no part of a token).</summary>
    public static string ReadSecret(string path)
    {
        var text = File.ReadAllText(path).Trim();
        return text.Length > 0 ? text : throw new IOException("the file is empty");
    }
}

/// <summary>
/// A source's credentials as they are now: the <c>Authorization</c> header (a token or password file is read again when
/// it changes) and the extra headers; and the secrets among them, so that nothing quoted from an answer shows them
/// (an old vmauth answers a wrong token with "cannot find the provided auth token \"Bearer ...\"").
/// </summary>
public sealed class PrometheusCredentials
{
    private const string Hidden = "<secret>";
    private readonly Func<string?> _token = () => null;
    private readonly Func<string?> _password = () => null;
    private readonly string? _user;

    public PrometheusCredentials(PrometheusSource source, ILogger logger)
    {
        var connection = source.Connection;
        Headers = connection.Headers.ToArray();
        if (connection.BearerToken is { Length: > 0 } token)
        {
            var value = token.Trim();
            _token = () => value;
        }
        else if (connection.BearerTokenFile is { Length: > 0 } tokenFile)
        {
            var file = new WatchedFile<string>($"{source.Setting}:BearerTokenFile", [tokenFile], () => PrometheusConnection.ReadSecret(tokenFile), logger);
            _token = () => file.Value;
        }
        else if (connection.BasicAuth is { Username: { } user } basic)
        {
            _user = user;
            if (basic.PasswordFile is { Length: > 0 } passwordFile)
            {
                var file = new WatchedFile<string>($"{source.Setting}:BasicAuth:PasswordFile", [passwordFile], () => PrometheusConnection.ReadSecret(passwordFile), logger);
                _password = () => file.Value;
            }
            else
            {
                var password = basic.Password ?? "";
                _password = () => password;
            }
        }
    }

    /// <summary>The extra headers of every request.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The <c>Authorization</c> header now; null when the source takes none.</summary>
    public AuthenticationHeaderValue? Authorization() =>
        _token() is { } token ? new AuthenticationHeaderValue("Bearer", token)
        : _user is not null ? new AuthenticationHeaderValue("Basic", Basic(_user, _password() ?? ""))
        : null;

    private static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    /// <summary><paramref name="text"/> with every secret of the source replaced: the token, the password (also as
    /// the encoded basic credentials) and header values of 6 characters or more (short ones, such as a tenant id, are
    /// left: replacing them would garble the text more than hiding them protects).</summary>
    public string Hide(string text)
    {
        var secrets = new List<string>();
        try
        {
            if (_token() is { } token)
                secrets.Add(token);
            if (_user is not null && _password() is { Length: > 0 } password)
                secrets.AddRange([password, Basic(_user, password)]);
        }
        catch (PrometheusException)
        {
            // A credentials file never read: nothing of it can be in an answer.
        }

        secrets.AddRange(Headers.Select(h => h.Value).Where(v => v.Length >= 6));
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
            text = text.Replace(secret, Hidden, StringComparison.Ordinal);
        return text;
    }
}

/// <summary>Adds a source's credentials and headers to every request, each attempt anew (so a retry after a rotation
/// sends the new token).</summary>
internal sealed class PrometheusAuthHandler(PrometheusCredentials credentials) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        foreach (var (name, value) in credentials.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (credentials.Authorization() is { } authorization)
            request.Headers.Authorization = authorization;
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// A value read from files, read again when one of them changes (its modification time or length; one <c>stat</c> a
/// use). A file that cannot be read again keeps the last value, with a warning naming the setting and the path.
/// </summary>
internal sealed class WatchedFile<T>(string setting, string[] paths, Func<T> load, ILogger logger) where T : class
{
    private readonly Lock _gate = new();
    private (DateTime, long)[]? _stamp;
    private T? _value;

    public T Value
    {
        get
        {
            var stamp = paths.Select(Stamp).ToArray();
            lock (_gate)
            {
                if (_value is not null && _stamp is not null && _stamp.SequenceEqual(stamp))
                    return _value;
                try
                {
                    var value = load();
                    if (_value is not null)
                        logger.LogInformation("Read {Setting} again ({Path}): it changed", setting, paths[0]);
                    _value = value;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
                {
                    if (_value is null)
                        throw new PrometheusException(PrometheusFailure.Unauthorized, $"unauthorized: cannot read {setting} ({paths[0]}): {e.Message}", e);
                    logger.LogWarning("Cannot read {Setting} ({Path}) again; keeping what it held: {Reason}", setting, paths[0], e.Message);
                }

                _stamp = stamp;
                return _value;
            }
        }
    }

    private static (DateTime, long) Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : (default, -1);
    }
}
