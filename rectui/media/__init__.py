"""Download, cache, decode and play recordings. Nothing here imports Textual.

The UI uses:
- `MediaStore(client, MediaCache(dir, max_bytes), credentials_for=...)`: `await fetch(recording,
  original=False, progress=cb) -> Path`, `cached(...)`, `save_to(dir, recording)`, `save(...)`.
- `Player(...)`: prepare (loads the audio library and checks the device, in the background),
  load/play/pause/toggle/stop/seek/seek_relative/set_volume/change_volume,
  set_speed/change_speed/set_device, `state`, `position`, `duration`, `volume`, `speed`,
  `device`, `devices()`, `backend_name`, `error`, `on_change`.
- `waveform(path, buckets)` (blocking: run in a worker), `audio_output_available()`,
  `scp_command(path)`, `default_download_dir()`.
"""

from .backend import (
    AudioBackend,
    BackendError,
    OutputStream,
    PortAudioBackend,
    SimpleaudioBackend,
    default_backend,
)
from .cache import DEFAULT_MAX_BYTES, MediaCache, default_cache_dir
from .decode import SUPPORTED_RATES, MediaInfo, PcmStream, probe, waveform
from .device import (
    NO_OUTPUT,
    audio_output_available,
    native_stderr_to,
    remote_session,
    silence_alsa_errors,
)
from .download import (
    CredentialsSource,
    MediaStore,
    ProgressCallback,
    download_file,
    media_format,
    media_url,
)
from .errors import (
    DecodeError,
    DownloadBusyError,
    DownloadIncompleteError,
    MediaError,
    MediaUnavailableError,
    OriginalNotAvailableError,
)
from .player import SPEEDS, VOLUME_MAX, VOLUME_STEP, Player, PlayerState, next_speed
from .save import default_download_dir, readable_name, save_to, scp_command

__all__ = [
    "DEFAULT_MAX_BYTES",
    "NO_OUTPUT",
    "SPEEDS",
    "SUPPORTED_RATES",
    "VOLUME_MAX",
    "VOLUME_STEP",
    "AudioBackend",
    "BackendError",
    "CredentialsSource",
    "DecodeError",
    "DownloadBusyError",
    "DownloadIncompleteError",
    "MediaCache",
    "MediaError",
    "MediaInfo",
    "MediaStore",
    "MediaUnavailableError",
    "OriginalNotAvailableError",
    "OutputStream",
    "PcmStream",
    "Player",
    "PlayerState",
    "PortAudioBackend",
    "ProgressCallback",
    "SimpleaudioBackend",
    "audio_output_available",
    "default_backend",
    "default_cache_dir",
    "default_download_dir",
    "download_file",
    "media_format",
    "media_url",
    "native_stderr_to",
    "next_speed",
    "probe",
    "readable_name",
    "remote_session",
    "save_to",
    "scp_command",
    "silence_alsa_errors",
    "waveform",
]
