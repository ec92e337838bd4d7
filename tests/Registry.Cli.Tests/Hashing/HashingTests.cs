using System.Security.Cryptography;
using System.Text;
using Registry.Cli.Hashing;

namespace Registry.Cli.Tests.Hashing;

public sealed class HashingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void File_hash_matches_the_FIPS_180_test_vectors(string content, string expected)
    {
        var path = _temp.Write("f.bin", content);

        var (sha256, size) = FileHasher.HashFile(path, null, CancellationToken.None);

        Assert.Equal(expected, sha256);
        Assert.Equal(content.Length, size);
    }

    [Fact]
    public void File_hash_of_a_million_a_spans_buffers_and_matches_the_FIPS_180_long_vector()
    {
        var path = _temp.Write("million-a.bin", Encoding.ASCII.GetBytes(new string('a', 1_000_000)));
        var bigger = _temp.Write("three-mib.bin", Enumerable.Range(0, 3 * FileHasher.BufferSize + 17).Select(i => (byte)i).ToArray());

        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", FileHasher.HashFile(path, null, CancellationToken.None).Sha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bigger))), FileHasher.HashFile(bigger, null, CancellationToken.None).Sha256);
    }

    [Fact]
    public void Progress_is_told_every_byte_hashed()
    {
        var path = _temp.Write("f.bin", new byte[(2 * FileHasher.BufferSize) + 5]);
        var counter = new ByteCounter();

        FileHasher.HashFile(path, counter, CancellationToken.None);

        Assert.Equal((2 * FileHasher.BufferSize) + 5, counter.Bytes);
    }

    [Fact]
    public async Task Folder_hash_is_the_sha256_of_the_sha256sum_manifest_with_hidden_files_and_NFC_paths()
    {
        // Expected value computed with coreutils: sha256sum of each file, LC_ALL=C sort, NFC names.
        _temp.Write("a.txt", "abc");
        _temp.Write("sub/b.txt", "hello\n");
        _temp.Write(".hidden", "x");
        _temp.Write("Z/cafe\u0301.txt", "\u00e9"); // name written decomposed (NFD), as macOS does

        var hash = await ContentHasher.HashAsync(_temp.Path, null, CancellationToken.None);
        var entries = await FolderHasher.HashFilesAsync(FolderHasher.Enumerate(_temp.Path), null, CancellationToken.None);

        Assert.Equal("26f7cc4ce8aa0e707d340631a815d705d1aac12d58a09b1a2c70fe47975fb4ee", hash.Sha256);
        Assert.True(hash.IsFolder);
        Assert.Equal(4, hash.FileCount);
        Assert.Equal(3 + 6 + 1 + 2, hash.SizeBytes);
        Assert.Equal(
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  .hidden\n" +
            "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c  Z/caf\u00e9.txt\n" +
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.txt\n" +
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  sub/b.txt\n",
            FolderHasher.Manifest(entries));
    }

    [Fact]
    public void Folder_hash_does_not_depend_on_the_order_entries_are_found_or_given()
    {
        var entries = Enumerable.Range(0, 50)
            .Select(i => new FolderEntry($"d{i % 7}/file-{i}.bin", Convert.ToHexStringLower(SHA256.HashData([(byte)i])), i))
            .ToList();
        var expected = FolderHasher.HashOfEntries(entries);

        for (var seed = 1; seed <= 20; seed++)
        {
            var shuffled = entries.OrderBy(_ => Random.Shared.Next()).ToList();
            Assert.Equal(expected, FolderHasher.HashOfEntries(shuffled));
        }
    }

    [Fact]
    public async Task Folder_hash_is_the_same_for_two_copies_written_in_different_orders()
    {
        using var other = new TempFolder();
        var names = Enumerable.Range(0, 40).Select(i => $"part-{i:00}/shard-{i}.parquet").ToList();
        foreach (var name in names)
        {
            _temp.Write(name, name);
        }

        foreach (var name in Enumerable.Reverse(names))
        {
            other.Write(name, name);
        }

        var first = await ContentHasher.HashAsync(_temp.Path, null, CancellationToken.None);
        var second = await ContentHasher.HashAsync(other.Path, null, CancellationToken.None);

        Assert.Equal(first.Sha256, second.Sha256);
    }

    [Fact]
    public async Task Folder_hash_changes_when_a_file_is_renamed_or_its_content_changes()
    {
        _temp.Write("a.txt", "abc");
        var original = (await ContentHasher.HashAsync(_temp.Path, null, CancellationToken.None)).Sha256;

        File.Move(_temp.Combine("a.txt"), _temp.Combine("b.txt"));
        var renamed = (await ContentHasher.HashAsync(_temp.Path, null, CancellationToken.None)).Sha256;
        _temp.Write("b.txt", "abd");
        var edited = (await ContentHasher.HashAsync(_temp.Path, null, CancellationToken.None)).Sha256;

        Assert.Equal(3, new[] { original, renamed, edited }.Distinct().Count());
    }

    [Fact]
    public void Manifest_orders_paths_by_UTF8_bytes_not_UTF16_code_units()
    {
        // U+FF21 (UTF-8 EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
        var entries = new[] { new FolderEntry("\U0001F600", new string('1', 64), 1), new FolderEntry("\uFF21", new string('2', 64), 1) };

        var manifest = FolderHasher.Manifest(entries);

        Assert.StartsWith(new string('2', 64), manifest, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_folders_are_not_part_of_the_hash_and_a_folder_without_files_is_refused()
    {
        Directory.CreateDirectory(_temp.Combine("empty/deeper"));

        var error = Assert.Throws<HashingException>(() => FolderHasher.Enumerate(_temp.Path));
        Assert.Contains("holds no files", error.Message, StringComparison.Ordinal);

        _temp.Write("x.txt", "x");
        Assert.Equal(["x.txt"], FolderHasher.Enumerate(_temp.Path).Select(f => f.RelativePath));
    }

    [Fact]
    public async Task A_symbolic_link_to_a_file_is_hashed_as_its_target_content()
    {
        using var outside = new TempFolder();
        var blob = outside.Write("blob", "weights");
        _temp.Write("config.json", "{}");
        File.CreateSymbolicLink(_temp.Combine("model.bin"), blob);

        var entries = await FolderHasher.HashFilesAsync(FolderHasher.Enumerate(_temp.Path), null, CancellationToken.None);

        var link = Assert.Single(entries, e => e.RelativePath == "model.bin");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("weights"u8)), link.Sha256);
    }

    [Fact]
    public void A_symbolic_link_to_a_folder_or_to_nothing_is_refused_naming_it()
    {
        using var outside = new TempFolder();
        outside.Write("inner.txt", "x");
        _temp.Write("a.txt", "a");
        File.CreateSymbolicLink(_temp.Combine("linked"), outside.Path);

        var folderLink = Assert.Throws<HashingException>(() => FolderHasher.Enumerate(_temp.Path));
        Assert.Contains("linked", folderLink.Message, StringComparison.Ordinal);

        File.Delete(_temp.Combine("linked"));
        File.CreateSymbolicLink(_temp.Combine("dangling"), _temp.Combine("missing"));
        var dangling = Assert.Throws<HashingException>(() => FolderHasher.Enumerate(_temp.Path));
        Assert.Contains("dangling", dangling.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", dangling.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_path_is_reported_by_name()
    {
        var error = Assert.Throws<HashingException>(() => ContentHasher.Plan(_temp.Combine("nope.bin")));

        Assert.Contains("nope.bin: no such file or folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_progress_writes_one_line_per_input_with_its_hash()
    {
        var path = _temp.Write("weights.bin", "abc");
        var log = new StringWriter();

        var hashes = await new HashingDisplay(null, log).HashAllAsync([("artifact weights.bin", ContentHasher.Plan(path))], CancellationToken.None);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Assert.Single(hashes).Sha256);
        Assert.Contains("hashed artifact weights.bin: 3 B", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("sha256 ba7816bf", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_terminal_large_inputs_get_a_progress_bar_with_bytes_per_second()
    {
        var path = _temp.Write("weights.bin", new byte[3 * FileHasher.BufferSize]);
        var screen = new StringWriter();
        var terminal = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(screen),
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
        });

        var hashes = await new HashingDisplay(terminal, TextWriter.Null, largeInputBytes: FileHasher.BufferSize).HashAllAsync([("artifact", ContentHasher.Plan(path))], CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(new byte[3 * FileHasher.BufferSize])), Assert.Single(hashes).Sha256);
        Assert.Contains("artifact", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains("100%", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains("/s", screen.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inputs_are_hashed_at_the_same_time_and_come_back_in_the_order_given()
    {
        // Each stream refuses to give a byte until the other has been asked for one, and the first
        // finishes only after the second has: hashed one after another, this could never complete.
        var first = new GatedStream("abc"u8.ToArray());
        var second = new GatedStream("hello\n"u8.ToArray());
        first.WaitFor(second.Started).ThenFor(second.Finished);
        second.WaitFor(first.Started);
        var log = new StringWriter();

        var hashes = await new HashingDisplay(null, log, maxParallel: 2).HashAllAsync(
            [new StreamInput("training", _ => Task.FromResult<(Stream, long?)>((first, 3))), new StreamInput("test", _ => Task.FromResult<(Stream, long?)>((second, null)))],
            CancellationToken.None);

        Assert.Equal(["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"], hashes.Select(h => h.Sha256));
        Assert.Equal([3L, 6L], hashes.Select(h => h.SizeBytes));
        Assert.Contains("hashed training: 3 B", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("hashed test: 6 B", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_terminal_every_input_gets_its_own_bar_while_they_hash_together()
    {
        var first = new GatedStream(new byte[FileHasher.BufferSize + 1]);
        var second = new GatedStream(new byte[17]);
        first.WaitFor(second.Started);
        second.WaitFor(first.Started);
        var screen = new StringWriter();
        var terminal = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(screen),
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
        });

        var hashes = await new HashingDisplay(terminal, TextWriter.Null, maxParallel: 2).HashAllAsync(
            [new StreamInput("weights.bin", _ => Task.FromResult<(Stream, long?)>((first, FileHasher.BufferSize + 1))), new StreamInput("holdout.csv", _ => Task.FromResult<(Stream, long?)>((second, null)))],
            CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(new byte[17])), hashes[1].Sha256);
        Assert.Contains("weights.bin", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains("holdout.csv", screen.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_input_that_fails_stops_the_others_and_its_error_is_the_one_reported()
    {
        var path = _temp.Write("weights.bin", "abc");
        var never = new GatedStream([1]);
        never.WaitFor(new TaskCompletionSource().Task);

        var error = await Assert.ThrowsAsync<HashingException>(() => new HashingDisplay(null, TextWriter.Null, maxParallel: 2).HashAllAsync(
            [new StreamInput("stalled", _ => Task.FromResult<(Stream, long?)>((never, 1))), new StreamInput("broken", _ => throw new HashingException("broken: unreadable")), HashInput.Local("artifact", ContentHasher.Plan(path))],
            CancellationToken.None));

        Assert.Equal("broken: unreadable", error.Message);
    }

    /// <summary>A stream that holds back its bytes until the tasks it waits for have completed.</summary>
    private sealed class GatedStream(byte[] content) : MemoryStream(content)
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<Task> _gates = [];

        public Task Started => _started.Task;

        public Task Finished => _finished.Task;

        public GatedStream WaitFor(Task gate)
        {
            _gates.Add(gate);
            return this;
        }

        public GatedStream ThenFor(Task gate) => WaitFor(gate);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            foreach (var gate in _gates)
            {
                // Not a timing assertion: only keeps a broken (sequential) implementation from hanging the run.
                await gate.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            var read = await base.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                _finished.TrySetResult();
            }

            return read;
        }
    }
}
