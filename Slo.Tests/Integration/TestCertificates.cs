using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Slo.Tests.Integration;

/// <summary>A certificate authority made for one test run, a server certificate for 127.0.0.1 and a client certificate,
/// all signed by it and written as PEM files.</summary>
internal sealed record TestCertificates(string CaFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile)
{
    public static TestCertificates Create(string directory)
    {
        Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=slo test authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var files = new TestCertificates(
            Path.Combine(directory, "ca.crt"), Path.Combine(directory, "server.crt"), Path.Combine(directory, "server.key"),
            Path.Combine(directory, "client.crt"), Path.Combine(directory, "client.key"));
        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
        Issue(ca, "CN=127.0.0.1", server: true, files.ServerCertFile, files.ServerKeyFile, now);
        Issue(ca, "CN=slo", server: false, files.ClientCertFile, files.ClientKeyFile, now);
        return files;
    }

    private static void Issue(X509Certificate2 ca, string subject, bool server, string certFile, string keyFile, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A client for readiness checks: trusts the test authority only, shows the client certificate.</summary>
    public HttpClient ReadyClient(string user, string password)
    {
        var authority = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        handler.ClientCertificates.Add(X509Certificate2.CreateFromPemFile(ClientCertFile, ClientKeyFile));
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }
}
