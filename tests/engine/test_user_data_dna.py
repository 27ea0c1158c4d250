"""DNA as the user keeps it, read as one-hot [4, length] on demand: FASTA records labelled
in their headers or in a CSV of the same name (one class, or several 0/1 columns for
BCEWithLogitsLoss, with splits), BED intervals over a genome read with random access,
reverse complements for training, and what the data's mistakes say."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.catalogue import TensorInfo
from engine.data import DataError, load_dataset
from engine.data.standalone.dna_reading import centred, encode, one_hot, reverse_complement
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import only_torch_and_numpy, run_bare
from tests.engine.training_helpers import chain_project

DNA = TensorInfo((4, 20))


def load(root: Path, entry: dict, sample: TensorInfo = DNA):
    return load_dataset(entry, base_dir=root, sample=sample, cache_dir=root / "p.cache")


def letters(batch: torch.Tensor) -> list[str]:
    """One-hot DNA back as letters, N for all zeros."""
    return ["".join("ACGTN"[int(i)] if column.sum() else "N" for i, column in zip(
        sample.argmax(0), sample.T, strict=True)) for sample in batch]


def write_fasta(path: Path, records: dict[str, str], labels: dict[str, str] | None = None,
                width: int = 60) -> Path:
    lines = []
    for record, sequence in records.items():
        label = f" {labels[record]}" if labels and record in labels else ""
        lines.append(f">{record}{label}")
        lines += [sequence[i:i + width] for i in range(0, len(sequence), width)]
    path.write_text("\n".join(lines) + "\n")
    return path


def random_records(count: int, length: int = 30, seed: int = 0) -> dict[str, str]:
    rng = np.random.default_rng(seed)
    return {f"seq{i}": "".join(rng.choice(list("ACGT"), length)) for i in range(count)}


def test_letters_become_codes_soft_masked_bases_included():
    assert encode("ACGTacgtNnRyU").tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4, 4, 3]
    assert one_hot(encode("AN"))[:, 1].tolist() == [0, 0, 0, 0]
    assert reverse_complement(encode("AACGN")).tolist() == encode("NCGTT").tolist()
    assert "".join("ACGTN"[c] for c in centred(encode("AACCGGTT"), 4)) == "CCGG"
    assert "".join("ACGTN"[c] for c in centred(encode("ACG"), 7)) == "NNACGNN"


def test_labels_in_the_headers(tmp_path):
    records = random_records(6)
    labels = {record: ("bound" if i % 2 else "free") for i, record in enumerate(records)}
    write_fasta(tmp_path / "seqs.fa", records, labels)
    data = load(tmp_path, {"path": "seqs.fa"}, TensorInfo((4, 30)))
    assert data.classes == ["bound", "free"] and data.kind == "classes"
    assert data.y.tolist() == [1, 0, 1, 0, 1, 0]
    assert letters(data.x[0:1]) == [records["seq0"]]


def test_labels_in_a_csv_of_the_same_name_with_splits(tmp_path):
    records = random_records(8, length=40)
    write_fasta(tmp_path / "reads.fasta", records)
    splits = ("train", "train", "test", "valid")
    rows = ["id,label,split"] + [f"seq{i},{i % 2 + 1},{splits[i % 4]}" for i in range(8)]
    (tmp_path / "reads.csv").write_text("\n".join(rows) + "\n")
    data = load(tmp_path, {"path": "reads.fasta"})
    assert data.classes == ["1", "2"]  # names as written: two classes, not three
    assert (len(data.x), len(data.x_val), len(data.x_test)) == (4, 2, 2)
    assert letters(data.x[0:1]) == [records["seq0"][10:30]]  # cut around the middle


def test_several_0_1_columns_are_a_multi_label_task(tmp_path):
    records = random_records(4)
    write_fasta(tmp_path / "peaks.fa", records)
    (tmp_path / "peaks.csv").write_text("name,CTCF,POLR2A,H3K4me3\n" + "".join(
        f"seq{i},{i % 2},{(i // 2) % 2},1\n" for i in range(4)))
    data = load(tmp_path, {"path": "peaks.fa"})
    assert data.kind == "values" and data.classes == ["CTCF", "POLR2A", "H3K4me3"]
    assert data.y.tolist() == [[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]]


def test_the_data_s_own_mistakes_are_named_with_the_record(tmp_path, capsys):
    records = random_records(10)
    records["seq3"] = records["seq3"][:5] + "X" + records["seq3"][6:]
    labels = {record: "a" if i % 2 else "b" for i, record in enumerate(records)}
    del labels["seq7"]
    write_fasta(tmp_path / "dna.fa", records, labels)
    data = load(tmp_path, {"path": "dna.fa"})
    assert data.x.index.known_bad == {7: "has no label"}
    with pytest.raises(DataError, match="seq3 has the letter 'X' at position 6, which is "
                                        "not a base"):
        data.x[3]
    write_fasta(tmp_path / "more.fa", random_records(3))
    (tmp_path / "more.csv").write_text("id,label\nseq0,a\nseq1,b\nseq2,a\nseq9,b\n")
    assert load(tmp_path, {"path": "more.fa"}).x.index.known_bad == {
        3: "has a label but no record in more.fa"}


def open_at_once(fasta: Path, index: Path, names: list[str], openers: int = 3
                 ) -> tuple[list, list[str]]:
    """`openers` threads opening `fasta` at the same moment, each reading every record:
    (what each read, what failed)."""
    from engine.data.standalone import dna_reading

    start, read, failed = threading.Barrier(openers), [], []

    def open_and_read():
        start.wait()
        try:
            opened = dna_reading.open_fasta(fasta, index)
            read.append([dna_reading.record_codes(opened, name, 30).tolist()
                         for name in names])
        except dna_reading.DnaError as error:
            failed.append(str(error))

    threads = [threading.Thread(target=open_and_read) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return read, failed


def test_a_fasta_opened_by_several_threads_before_it_has_an_index_reads_every_record(
        tmp_path, monkeypatch):
    # the designer's previews and a run open the same new file at once: pyfaidx writing
    # its index while another opener read it lost records in half of such openings
    from engine.data.standalone import dna_reading

    for trial in range(12):
        monkeypatch.setattr(dna_reading, "_OPEN", {})
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        records = random_records(6, seed=trial)
        write_fasta(folder / "seqs.fa", records)
        read, failed = open_at_once(folder / "seqs.fa", folder / "seqs.fa.idx",
                                    list(records))
        assert not failed, (trial, failed)
        expected = [encode(sequence).tolist() for sequence in records.values()]
        assert read == [expected] * 3
        assert sorted(path.name for path in folder.iterdir()) == ["seqs.fa", "seqs.fa.idx"]


def written_again(path: Path, records: dict[str, str], labels: dict[str, str]) -> None:
    """The FASTA rewritten after everything made from it (its index among them)."""
    earlier = time.time_ns() - 10_000_000_000
    for made in path.parent.rglob("*"):
        os.utime(made, ns=(earlier, earlier))
    write_fasta(path, records, labels)


@pytest.mark.parametrize("index_beside", [False, True])
def test_a_fasta_written_again_is_read_as_it_is_now(tmp_path, index_beside):
    # an index older than its file points at the old offsets: wrong bases, no error
    first, labels = random_records(4, length=20), {f"seq{i}": "ab"[i % 2] for i in range(4)}
    write_fasta(tmp_path / "dna.fa", first, labels)
    if index_beside:  # as samtools faidx leaves one; used while it is current
        from pyfaidx import Fasta

        Fasta(str(tmp_path / "dna.fa")).close()
        assert (tmp_path / "dna.fa.fai").is_file()
    assert letters(load(tmp_path, {"path": "dna.fa"}).x[0:4]) == list(first.values())
    second = {name: "ACGTTT" + sequence[::-1] for name, sequence in first.items()}
    written_again(tmp_path / "dna.fa", second, labels)
    expected = ["".join("ACGTN"[code] for code in centred(encode(sequence), 20))
                for sequence in second.values()]
    assert letters(load(tmp_path, {"path": "dna.fa"}).x[0:4]) == expected


def test_a_fasta_without_labels_says_where_they_go(tmp_path):
    write_fasta(tmp_path / "bare.fa", random_records(3))
    with pytest.raises(DataError, match=re.escape("bare.fa has no labels: expected them in "
                                                  "the headers (>id label) or in bare.csv")):
        load(tmp_path, {"path": "bare.fa"})


def test_reverse_complements_are_added_to_the_training_split_only(tmp_path):
    records = random_records(4, length=20)
    (tmp_path / "r.fa").write_text("".join(f">{k} {'a' if i % 2 else 'b'}\n{v}\n"
                                           for i, (k, v) in enumerate(records.items())))
    (tmp_path / "r.csv").unlink(missing_ok=True)
    data = load(tmp_path, {"path": "r.fa", "reverse_complement": True})
    assert len(data.x) == 8 and data.y.tolist()[4:] == data.y.tolist()[:4]
    forward, backward = letters(data.x[0:1])[0], letters(data.x[4:5])[0]
    assert backward == forward[::-1].translate(str.maketrans("ACGT", "TGCA"))
    assert data.x.describe(4) == "seq0 (reverse complement)"


def genome(tmp_path: Path) -> dict[str, str]:
    """ref/genome.fa: two chromosomes, the second soft-masked (lower case)."""
    rng = np.random.default_rng(1)
    chromosomes = {"chr1": "".join(rng.choice(list("ACGT"), 600)),
                   "chr2": "".join(rng.choice(list("acgt"), 300))}
    (tmp_path / "ref").mkdir()
    write_fasta(tmp_path / "ref" / "genome.fa", chromosomes, width=70)
    return chromosomes


def test_bed_intervals_are_centred_windows_of_the_genome(tmp_path):
    chromosomes = genome(tmp_path)
    (tmp_path / "ref" / "peaks.bed").write_text(
        "track name=peaks\n#comment\nchr1\t100\t140\tbound\nchr1\t300\t304\tfree\n"
        "chr2\t290\t300\tbound\n")
    os.chmod(tmp_path / "ref", stat.S_IRUSR | stat.S_IXUSR)  # the genome's folder is read-only
    try:
        data = load(tmp_path, {"path": "ref/peaks.bed", "genome": "genome.fa"})
    finally:
        os.chmod(tmp_path / "ref", stat.S_IRWXU)
    assert data.classes == ["bound", "free"] and len(data.x) == 3
    first, second, edge = letters(data.x[0:3])
    assert first == chromosomes["chr1"][110:130]
    assert second == chromosomes["chr1"][292:312]
    assert edge == chromosomes["chr2"][285:300].upper() + "NNNNN"  # past the end: N
    assert not (tmp_path / "ref" / "genome.fa.fai").exists()  # its index is in the cache


def test_bed_labels_as_several_columns_and_chromosomes_as_splits(tmp_path):
    genome(tmp_path)
    (tmp_path / "ref" / "tracks.bed").write_text(
        "chr1 10 30 a 1 0\nchr1 50 70 b 0 1\nchr2 10 30 c 1 1\nchr2 40 60 d 0 0\n")
    data = load(tmp_path, {"path": "ref/tracks.bed", "genome": "genome.fa",
                           "test_chromosomes": ["chr2"]})
    assert data.kind == "values" and data.y.tolist() == [[1, 0], [0, 1]]
    assert data.y_test.tolist() == [[1, 1], [0, 0]]


@pytest.mark.parametrize("entry, said", [
    ({"path": "ref/p.bed"}, "add the dataset option \"genome\": \"genome.fa\""),
    ({"path": "ref/p.bed", "genome": "hg99.fa"}, "the genome 'hg99.fa' does not exist"),
    ({"path": "ref/p.bed", "genome": "genome.fa", "test_chromosomes": 8},
     "\"test_chromosomes\" must be a list of chromosome names"),
])
def test_a_bed_file_s_genome_is_asked_for_by_name(tmp_path, entry, said):
    genome(tmp_path)
    (tmp_path / "ref" / "p.bed").write_text("chr1\t1\t9\tx\nchr1\t20\t30\ty\n")
    with pytest.raises(DataError, match=re.escape(said)):
        load(tmp_path, entry)


def test_an_input_that_is_not_one_hot_dna_is_refused_with_one_that_fits(tmp_path):
    write_fasta(tmp_path / "d.fa", random_records(2, length=150), {"seq0": "a", "seq1": "b"})
    with pytest.raises(DataError) as caught:
        load(tmp_path, {"path": "d.fa"}, TensorInfo((150, 4)))
    assert "holds DNA, read as one-hot [4, length]" in str(caught.value)
    assert caught.value.suggested_input == [4, 150]


def dna_project(folder: Path, dataset: dict, loss: str = "CrossEntropyLoss",
                outputs: int = 2) -> Path:
    layers = [("Input", {"shape": [4, 20]}),
              ("Conv1d", {"out_channels": 8, "kernel_size": 5, "padding": 2}), ("ReLU", {}),
              ("ToSequence", {}), ("LSTM", {"hidden_size": 8}), ("LastStep", {}),
              ("Linear", {"out_features": outputs})]
    chain_project(folder, layers, {"dataset": {"workers": 0, **dataset}, "loss": loss,
                                   "batch_size": 4, "epochs": 2, "seed": 0,
                                   "validation_split": 0.25})
    return folder / "tiny.ndproj"


def test_a_multi_label_run_trains_with_bce_and_exports_code_that_reads_the_genome(
        tmp_path, capsys):
    genome(tmp_path)
    (tmp_path / "ref" / "t.bed").write_text("".join(
        f"chr1\t{s}\t{s + 20}\tp{s}\t{(s // 20) % 2}\t{(s // 40) % 2}\n"
        for s in range(0, 560, 20)))
    project = dna_project(tmp_path, {"path": "ref/t.bed", "genome": "genome.fa"},
                          "BCEWithLogitsLoss")
    code, out, err = run(capsys, "train", str(project))
    assert code == 0, err + out
    folder = tmp_path / "code"
    assert run(capsys, "export", str(project), "--format", "python", "-o", str(folder))[0] == 0
    listing = json.loads((folder / "data.json").read_text())
    assert listing["length"] == 20 and listing["fasta"].endswith("genome.fa")
    packages = only_torch_and_numpy(tmp_path / "site", also=("pyfaidx",))
    measured = run_bare(["train.py", "--init", "weights.safetensors", "--epochs", "0"],
                        folder, packages)
    assert measured.returncode == 0, measured.stderr
    figures = dict(re.findall(r"(val_\w+) ([-\d.e]+)", measured.stdout))
    run_folder = next(project.with_name("tiny.runs").iterdir())
    ours = json.loads((run_folder / "metrics.json").read_text())["result"]["metrics"]
    assert float(figures["val_loss"]) == pytest.approx(ours["val_loss"], abs=1e-4)
