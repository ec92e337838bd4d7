using Registry.Cli.Dependencies;

namespace Registry.Cli.Tests.Dependencies;

public sealed class RequirementsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string HandWritten = """
        # Training environment for the churn model
        --index-url https://pypi.org/simple
        --extra-index-url https://pypi.internal.example.com/simple

        numpy==1.26.4            # pinned for the C extension ABI
        pandas[performance,excel] == 2.1.4
        scikit-learn>=1.3,<1.5
        requests
        torch==2.1.2+cu121 ; platform_system == "Linux" and python_version >= "3.10"
        tomli==2.0.1; python_version < "3.11"
        Typing_Extensions==4.9.0
        urllib3==2.1.0 \
            --hash=sha256:55901e917a5896a349ff771be919f8bd99aff50b79fe58fec595eb37bbc56bb3
        certifi==2023.11.17 \
            --hash=sha256:9b469f3a900bf28dc19b8cfbf8019bf47f7fdd1a65a1d4ffb98fc14166beb4d1 \
            --hash=sha256:e036ab49d5b79556f99cfc2d9320b34cfbe5be05c5871b51de9329f0603b0474
        mylib @ https://files.example.com/wheels/mylib-0.4.2-py3-none-any.whl#sha256=0000000000000000000000000000000000000000000000000000000000000001
        featurestore @ git+https://github.com/acme/featurestore.git@v1.2.0
        """;

    [Fact]
    public void A_hand_written_requirements_file_yields_every_package_with_normalized_names()
    {
        var path = _temp.Write("requirements.txt", HandWritten);

        var set = Requirements.Read(path);

        Assert.Equal(
            [
                new Dependency("pypi", "numpy", "1.26.4"),
                new Dependency("pypi", "pandas", "2.1.4"),
                new Dependency("pypi", "scikit-learn", ">=1.3,<1.5"),
                new Dependency("pypi", "requests", "*"),
                new Dependency("pypi", "torch", "2.1.2+cu121"),
                new Dependency("pypi", "tomli", "2.0.1"),
                new Dependency("pypi", "typing-extensions", "4.9.0"),
                new Dependency("pypi", "urllib3", "2.1.0", "55901e917a5896a349ff771be919f8bd99aff50b79fe58fec595eb37bbc56bb3"),
                new Dependency("pypi", "certifi", "2023.11.17"),
                new Dependency("pypi", "mylib", "0.4.2", "0000000000000000000000000000000000000000000000000000000000000001"),
                new Dependency("pypi", "featurestore", "git+https://github.com/acme/featurestore.git@v1.2.0"),
            ],
            set.Dependencies);
        Assert.Contains(set.Notes, n => n.Contains("2 requirement(s) not pinned", StringComparison.Ordinal) && n.Contains("scikit-learn>=1.3,<1.5", StringComparison.Ordinal));
    }

    [Fact]
    public void Pip_freeze_output_with_editable_installs_is_read()
    {
        var path = _temp.Write("freeze.txt", """
            absl-py==2.0.0
            -e git+https://github.com/acme/churn-features.git@4f1c2a9d0b7e8f6a5c3d2e1f0a9b8c7d6e5f4a3b#egg=churn_features
            # Editable install with no version control (training-utils==0.3.0)
            -e /home/alice/src/training-utils
            joblib @ file:///home/conda/feedstock_root/build_artifacts/joblib_1691577114857/work
            scipy==1.11.4
            """);

        var set = Requirements.Read(path);

        Assert.Equal(
            [
                new Dependency("pypi", "absl-py", "2.0.0"),
                new Dependency("pypi", "churn-features", "git+https://github.com/acme/churn-features.git@4f1c2a9d0b7e8f6a5c3d2e1f0a9b8c7d6e5f4a3b"),
                new Dependency("pypi", "training-utils", "0.3.0"),
                new Dependency("pypi", "joblib", "file:///home/conda/feedstock_root/build_artifacts/joblib_1691577114857/work"),
                new Dependency("pypi", "scipy", "1.11.4"),
            ],
            set.Dependencies);
        Assert.Equal(2, set.Notes.Count(n => n.Contains("editable install", StringComparison.Ordinal)));
    }

    [Fact]
    public void Includes_are_followed_relative_to_the_including_file_and_reported()
    {
        _temp.Write("reqs/base.txt", "numpy==1.26.4\n");
        var main = _temp.Write("reqs/train.txt", "-r base.txt\n--requirement=extra/gpu.txt\n-c constraints.txt\nxgboost==2.0.3\n");
        _temp.Write("reqs/extra/gpu.txt", "cupy-cuda12x==12.3.0\n");

        var set = Requirements.Read(main);

        Assert.Equal(["numpy", "cupy-cuda12x", "xgboost"], set.Dependencies.Select(d => d.Name));
        Assert.Contains(set.Notes, n => n.Contains("included", StringComparison.Ordinal) && n.Contains("base.txt", StringComparison.Ordinal));
        Assert.Contains(set.Notes, n => n.Contains("gpu.txt", StringComparison.Ordinal));
        Assert.Contains(set.Notes, n => n.Contains("constraints file constraints.txt not read", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_include_names_both_files()
    {
        var main = _temp.Write("requirements.txt", "-r missing.txt\n");

        var error = Assert.Throws<DependencyFileException>(() => Requirements.Read(main));

        Assert.Contains("requirements.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_cycle_is_refused()
    {
        var a = _temp.Write("a.txt", "-r b.txt\n");
        _temp.Write("b.txt", "-r a.txt\n");

        var error = Assert.Throws<DependencyFileException>(() => Requirements.Read(a));

        Assert.Contains("includes itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_that_is_not_a_requirement_is_reported_with_file_and_line_number()
    {
        var path = _temp.Write("requirements.txt", "numpy==1.26.4\n\nthis is not: a requirement\n");

        var error = Assert.Throws<DependencyFileException>(() => Requirements.Read(path));

        Assert.StartsWith(path + ":3:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Django", "django")]
    [InlineData("ruamel.yaml", "ruamel-yaml")]
    [InlineData("Foo__Bar-.baz", "foo-bar-baz")]
    public void Names_are_normalized_as_PEP_503_says(string name, string normalized) =>
        Assert.Equal(normalized, Requirements.NormalizeName(name));
}
