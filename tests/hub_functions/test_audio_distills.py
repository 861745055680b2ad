"""Audio distills of the registry on WAV files generated with known level, length, silence and
signal-to-noise ratio, in every sample format scipy writes."""

from __future__ import annotations

import numpy as np
import pytest

from zenohub import DataError, ZenoOptions

from .conftest import distilled, frame

AUDIO_DISTILLS = ["amplitude", "duration", "silence_ratio", "estimated_snr"]
TONE_DBFS = 20 * np.log10(0.5 / np.sqrt(2))  # a sine of amplitude 0.5: -9.03 dBFS


def values(name: str, files: list, ops: ZenoOptions) -> np.ndarray:
    return distilled(name, frame("audio", files), ops)


def test_amplitude_is_the_rms_level_in_dbfs(audio_ops) -> None:
    files = ["tone.wav", "tone_i32.wav", "tone_f32.wav", "tone_u8.wav", "silence.wav"]
    got = values("amplitude", files, audio_ops)
    np.testing.assert_allclose(got[:3], TONE_DBFS, atol=1e-3)
    assert got[3] == pytest.approx(TONE_DBFS, abs=0.05)  # 8-bit quantisation
    assert got[4] == -120.0  # digital silence sits at the documented floor
    # stereo: RMS over both channels, the second at half the amplitude
    stereo = values("amplitude", ["stereo.wav"], audio_ops)[0]
    expected = 20 * np.log10(np.sqrt((0.125 + 0.125 / 4) / 2))
    assert stereo == pytest.approx(expected, abs=1e-3)
    assert np.isnan(values("amplitude", ["empty.wav"], audio_ops)[0])


def test_duration_in_seconds(audio_ops) -> None:
    got = values("duration", ["tone.wav", "long.wav", "short_44k.wav", "pauses.wav"], audio_ops)
    np.testing.assert_allclose(got, [1.0, 2.5, 0.25, 2.5])
    assert values("duration", ["empty.wav"], audio_ops)[0] == 0.0


def test_silence_ratio(audio_ops) -> None:
    got = values("silence_ratio", ["tone.wav", "silence.wav", "pauses.wav"], audio_ops)
    # pauses: 1 s tone, then 1 s of digital silence and 0.5 s of -60 dBFS noise
    np.testing.assert_allclose(got, [0.0, 1.0, 0.6])
    quiet = values("silence_ratio", ["snr0.wav"], audio_ops)[0]
    assert quiet == 0.0  # noise at -13 dBFS is not silence


def test_estimated_snr_within_half_a_db(audio_ops) -> None:
    snrs = [0, 10, 20, 30]
    got = values("estimated_snr", [f"snr{s}.wav" for s in snrs], audio_ops)
    np.testing.assert_allclose(got, snrs, atol=0.5)
    clean, silence = values("estimated_snr", ["tone_f32.wav", "silence.wav"], audio_ops)
    assert clean > 60  # a synthetic tone: noise only from float32 rounding
    assert np.isnan(silence)


@pytest.mark.parametrize("name", AUDIO_DISTILLS)
def test_missing_cells_and_empty_batches(name, audio_dir) -> None:
    ops = ZenoOptions(data_column="audio")  # absolute paths need no data_path
    got = distilled(name, frame("audio", [str(audio_dir / "tone.wav"), None]), ops)
    assert np.isfinite(got[0]) and np.isnan(got[1])
    assert len(distilled(name, frame("audio", []), ops)) == 0


@pytest.mark.parametrize("name", AUDIO_DISTILLS)
def test_unreadable_audio_names_the_file(name, audio_ops) -> None:
    for bad in ("broken.wav", "missing.wav"):
        with pytest.raises(DataError, match=rf"{name}: cannot read WAV file .*{bad}"):
            values(name, ["tone.wav", bad], audio_ops)
