using Registry.Cli.Api;
using Registry.Cli.Registration;
using Registry.Cli.Source;

namespace Registry.Cli.Tests.Commands;

public sealed class OptionParsingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_dataset_name_follows_the_last_colon_unless_the_path_exists_with_it()
    {
        _temp.Write("data/train.csv", "x");
        _temp.Write("data/odd:name.csv", "x");

        var named = DatasetOption.Parse("training=data/train.csv:churn-train", _temp.Path);
        var literal = DatasetOption.Parse("validation=data/odd:name.csv", _temp.Path);
        var unnamed = DatasetOption.Parse("Test=data/train.csv", _temp.Path);

        Assert.Equal(("training", "churn-train"), (named.Role, named.Name));
        Assert.Equal("odd:name.csv", literal.Name);
        Assert.Equal(("test", "train.csv"), (unnamed.Role, unnamed.Name));
    }

    [Fact]
    public void A_uri_keeps_its_port_and_its_stated_hash()
    {
        var sha = new string('d', 64);

        var withPort = DatasetOption.Parse("other=https://data.example.com:8443/sets/holdout.csv", _temp.Path);
        var stated = DatasetOption.Parse($"training=gs://bucket/train/#sha256={sha}:train", _temp.Path);

        Assert.Equal(new Uri("https://data.example.com:8443/sets/holdout.csv"), Assert.IsType<ContentReference.Downloaded>(withPort.Content).Url);
        Assert.Equal("holdout.csv", withPort.Name);
        var reference = Assert.IsType<ContentReference.Stated>(stated.Content);
        Assert.Equal(("gs://bucket/train/", sha), (reference.Uri, reference.Sha256));
        Assert.Equal("train", stated.Name);
    }

    [Fact]
    public void A_store_the_CLI_cannot_read_needs_a_stated_hash()
    {
        var error = Assert.Throws<UsageException>(() => ContentReference.Parse("s3://lake/model.onnx", _temp.Path, "--artifact"));

        Assert.Contains("s3://lake/model.onnx#sha256=HEX", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://ci-bot:s3cret@git.example.com/acme/churn.git", "https://git.example.com/acme/churn.git")]
    [InlineData("git@github.com:acme/churn.git", "git@github.com:acme/churn.git")]
    [InlineData("https://github.com/acme/churn", "https://github.com/acme/churn")]
    public void Credentials_are_removed_from_repository_urls(string remote, string recorded) =>
        Assert.Equal(recorded, GitSourceDetector.WithoutCredentials(remote));

    [Fact]
    public async Task Outside_a_git_repository_no_source_is_detected()
    {
        Assert.Null(await GitSourceDetector.DetectAsync(_temp.Path, CancellationToken.None));
    }
}
