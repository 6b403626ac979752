"""Playable MP4 clips shaped like Veo's output, cheap enough to make on a shared 2-core box.

Veo 3.1 returns H.264 in MP4, 24 fps, with an AAC track when audio is on, at the requested
resolution (720p: 1280x720 or 720x1280; 1080p: 1920x1080 or 1080x1920), about 0.5-0.8 MB per
second at 720p and ~1.5 MB/s at 1080p. The copy path (GCS -> R2) has to move bytes of that
size, so the clips here have it too.

Encoding several seconds of 1080p on a busy machine takes seconds, so only ONE second is
encoded (a closed GOP: it starts with an IDR frame and nothing refers outside it) and the
clip repeats its packets once per second with shifted timestamps: a valid stream, decodable
frame by frame, for the cost of a remux. x264 runs in CBR mode with filler data (`nal-hrd=cbr`),
which is how a simple synthetic picture still reaches a realistic bitrate. The encoded second
is cached per (aspect ratio, resolution); whole clips are cached per request fingerprint
(prompt + seed + shape), so the same prompt and seed give the same bytes, and a different
prompt or seed gives a different file (the fingerprint is in the MP4's `comment` tag).
"""

from __future__ import annotations

import array
import hashlib
import io
import math
import os
import tempfile
import threading
from collections import OrderedDict
from fractions import Fraction

import av

FRAMES_PER_SECOND = 24
MIME_TYPE = "video/mp4"
AUDIO_SAMPLE_RATE = 48_000
AUDIO_FRAME_SAMPLES = 1024
# 375 Hz at 48 kHz is exactly 128 samples per period: every audio frame holds whole periods.
AUDIO_TONE_HZ = 375

FRAME_SIZES = {
    ("16:9", "720p"): (1280, 720),
    ("9:16", "720p"): (720, 1280),
    ("16:9", "1080p"): (1920, 1080),
    ("9:16", "1080p"): (1080, 1920),
}
ASPECT_RATIOS = ("16:9", "9:16")
RESOLUTIONS = ("720p", "1080p")
# Constant video bitrate per resolution, from the sizes above (kbit/s).
VIDEO_KBPS = {"720p": 4_800, "1080p": 12_500}

_second_cache: dict[tuple[str, str], bytes] = {}
_second_lock = threading.Lock()
_clip_cache: OrderedDict[tuple, bytes] = OrderedDict()
_clip_lock = threading.Lock()
CLIP_CACHE_ENTRIES = 8  # each is several MB


def frame_size(aspect_ratio: str, resolution: str = "720p") -> tuple[int, int]:
    try:
        return FRAME_SIZES[(aspect_ratio, resolution)]
    except KeyError:
        raise ValueError(f"unsupported aspect ratio / resolution {aspect_ratio!r} {resolution!r}") from None


def render_mp4(
    duration_seconds: int,
    aspect_ratio: str,
    resolution: str = "720p",
    audio: bool = True,
    fingerprint: str = "",
    first_frame=None,
    last_frame=None,
) -> bytes:
    """The MP4 for these parameters; the same arguments always give the same bytes.

    `first_frame` / `last_frame` (anything with `.data` and `.mime_type`: an input image of
    the start): the clip's very first frame is that picture, scaled to the frame, and its first
    second animates it (the sweeping bar over it); with a last frame, the last second ends on
    it. So a test can decode frame 0 and see the image it sent, as with Veo's image-to-video."""
    frame_size(aspect_ratio, resolution)
    if duration_seconds <= 0:
        raise ValueError(f"duration must be positive, got {duration_seconds!r}")
    pictures = tuple(hashlib.sha256(p.data).hexdigest() if p is not None else "" for p in (first_frame, last_frame))
    key = (duration_seconds, aspect_ratio, resolution, bool(audio), fingerprint, pictures)
    with _clip_lock:
        if key in _clip_cache:
            _clip_cache.move_to_end(key)
            return _clip_cache[key]
    if first_frame is None:
        seconds = [_encoded_second(aspect_ratio, resolution)] * duration_seconds
        clip = _mux(seconds, audio, fingerprint)
    else:
        clip = _mux(
            _seconds_from_pictures(duration_seconds, aspect_ratio, resolution, first_frame, last_frame),
            audio,
            fingerprint,
        )
    with _clip_lock:
        _clip_cache[key] = clip
        while len(_clip_cache) > CLIP_CACHE_ENTRIES:
            _clip_cache.popitem(last=False)
    return clip


def _encoded_second(aspect_ratio: str, resolution: str) -> bytes:
    """A one-second video-only MP4 (one closed GOP), encoded once per shape."""
    key = (aspect_ratio, resolution)
    with _second_lock:  # concurrent first requests encode it once
        if key not in _second_cache:
            _second_cache[key] = _encode_second(*frame_size(aspect_ratio, resolution), VIDEO_KBPS[resolution])
        return _second_cache[key]


def _encode_second(width: int, height: int, kbps: int, frames=None) -> bytes:
    """One second (or, given `frames`, as many seconds as frames / 24) of H.264 in MP4, each
    second a closed GOP."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FRAMES_PER_SECOND)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, FRAMES_PER_SECOND)
        stream.bit_rate = kbps * 1000
        stream.options = {
            "preset": "ultrafast",
            # One closed GOP per second, so the second can be repeated; CBR with filler data
            # gives the bitrate a real picture would need.
            "x264-params": (f"nal-hrd=cbr:keyint={FRAMES_PER_SECOND}:min-keyint={FRAMES_PER_SECOND}:scenecut=0"),
            "minrate": f"{kbps}k",
            "maxrate": f"{kbps}k",
            "bufsize": f"{kbps}k",
        }
        pictures = (
            frames
            if frames is not None
            else (_frame(index, FRAMES_PER_SECOND, width, height) for index in range(FRAMES_PER_SECOND))
        )
        for index, frame in enumerate(pictures):
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def _seconds_from_pictures(duration_seconds: int, aspect_ratio: str, resolution: str, first, last) -> list:
    """The clip's seconds as (encoded stream, second index) pairs: the first animates the first
    picture, the middle ones are the usual second, the last (with a last picture) ends on it.
    All three come from ONE encoder run, so they share the stream's parameters."""
    width, height = frame_size(aspect_ratio, resolution)
    frames = [_over_picture(first, index, width, height, ending=False) for index in range(FRAMES_PER_SECOND)]
    frames += [_frame(index, FRAMES_PER_SECOND, width, height) for index in range(FRAMES_PER_SECOND)]
    if last is not None:
        frames += [_over_picture(last, index, width, height, ending=True) for index in range(FRAMES_PER_SECOND)]
    stream = _encode_second(width, height, VIDEO_KBPS[resolution], frames)
    plan = [0] + [1] * max(0, duration_seconds - 1 - (last is not None)) + ([2] if last is not None else [])
    return [(stream, n) for n in plan[:duration_seconds]]


def _over_picture(picture, index: int, width: int, height: int, *, ending: bool):
    """The picture scaled to the frame; a bar sweeps over it, absent on the picture's own
    frame (the first of the clip, or the last one when `ending`)."""
    from standins.veo_images import decode

    decoded = decode(picture.data, picture.mime_type)
    frame = decoded.reformat(width=width, height=height, format="yuv420p")
    untouched = FRAMES_PER_SECOND - 1 if ending else 0
    if index == untouched:
        return frame
    luma = frame.planes[0]
    raw = bytearray(bytes(luma))
    bar_width = max(width // 8, 2)
    bar_left = round(index / (FRAMES_PER_SECOND - 1) * (width - bar_width))
    for row in range(height):
        start = row * luma.line_size + bar_left
        raw[start : start + bar_width] = b"\xeb" * bar_width
    luma.update(bytes(raw))
    return frame


def _mux(seconds: list, audio: bool, fingerprint: str) -> bytes:
    """`seconds`: per second of the clip, an encoded MP4 (bytes: its only second) or a pair
    (encoded MP4, which of its seconds)."""
    # A real file, not BytesIO: faststart (index first, so a browser can play while it
    # downloads) makes FFmpeg reopen the output by name to move the index.
    with tempfile.TemporaryDirectory(prefix="veo-standin-") as folder:
        path = os.path.join(folder, "clip.mp4")
        _mux_to(path, seconds, audio, fingerprint)
        with open(path, "rb") as clip:
            return clip.read()


def _mux_to(path: str, seconds: list, audio: bool, fingerprint: str) -> None:
    duration_seconds = len(seconds)
    seconds = [s if isinstance(s, tuple) else (s, 0) for s in seconds]
    source_bytes = seconds[0][0]
    with (
        av.open(io.BytesIO(source_bytes), mode="r") as video_source,
        av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container,
    ):
        template = video_source.streams.video[0]
        all_packets = [p for p in video_source.demux(template) if p.size and p.dts is not None and p.pts is not None]
        frame_ticks = int(all_packets[1].dts or 0) - int(
            all_packets[0].dts or 0
        )  # one frame, in the stream's time base
        # The encoded stream's seconds, each a closed GOP of FRAMES_PER_SECOND packets.
        groups = [all_packets[i : i + FRAMES_PER_SECOND] for i in range(0, len(all_packets), FRAMES_PER_SECOND)]
        if fingerprint:
            container.metadata["comment"] = fingerprint
        video = container.add_stream_from_template(template)
        audio_source = av.open(io.BytesIO(_encoded_audio(duration_seconds)), mode="r") if audio else None
        try:
            audio_packets: list = []
            sound = None
            if audio_source is not None:
                sound = container.add_stream_from_template(audio_source.streams.audio[0])
                audio_packets = [p for p in audio_source.demux(audio_source.streams.audio[0]) if p.size]
            # Interleaved second by second, as an encoder would write them.
            for second_index in range(duration_seconds):
                group = groups[seconds[second_index][1]]
                # Shifted from where the packets sat in their own stream to this second.
                offset = (second_index * FRAMES_PER_SECOND - seconds[second_index][1] * FRAMES_PER_SECOND) * frame_ticks
                for original in group:
                    container.mux(_copy(original, video, offset))
                while audio_packets and audio_packets[0].pts * audio_packets[0].time_base < second_index + 1:
                    container.mux(_copy(audio_packets.pop(0), sound, 0))
            for rest in audio_packets:
                container.mux(_copy(rest, sound, 0))
        finally:
            if audio_source is not None:
                audio_source.close()


def _copy(original: av.Packet, stream, offset: int) -> av.Packet:
    packet = av.Packet(bytes(original))
    packet.pts, packet.dts = int(original.pts or 0) + offset, int(original.dts or 0) + offset
    packet.duration = original.duration
    packet.time_base = original.time_base
    packet.is_keyframe = original.is_keyframe
    packet.stream = stream
    return packet


_audio_cache: dict[int, bytes] = {}
_audio_lock = threading.Lock()


def _encoded_audio(duration_seconds: int) -> bytes:
    """An AAC-only MP4 of a steady tone, encoded once per duration (FFmpeg's AAC encoder is
    the slow part of a clip)."""
    with _audio_lock:
        if duration_seconds not in _audio_cache:
            out = io.BytesIO()
            with av.open(out, mode="w", format="mp4") as container:
                sound = container.add_stream("aac", rate=AUDIO_SAMPLE_RATE)
                sound.layout = "stereo"
                sound.bit_rate = 128_000
                sound.options = {"aac_coder": "fast"}
                total = duration_seconds * AUDIO_SAMPLE_RATE
                for pts in range(0, total, AUDIO_FRAME_SAMPLES):
                    for packet in sound.encode(_audio_frame(pts)):
                        container.mux(packet)
                for packet in sound.encode(None):
                    container.mux(packet)
            _audio_cache[duration_seconds] = out.getvalue()
        return _audio_cache[duration_seconds]


_TONE = array.array(
    "f", (0.2 * math.sin(2 * math.pi * AUDIO_TONE_HZ * k / AUDIO_SAMPLE_RATE) for k in range(AUDIO_FRAME_SAMPLES))
).tobytes()


def _audio_frame(pts: int) -> av.AudioFrame:
    frame = av.AudioFrame(format="fltp", layout="stereo", samples=AUDIO_FRAME_SAMPLES)
    for plane in frame.planes:
        plane.update(_TONE)
    frame.sample_rate = AUDIO_SAMPLE_RATE
    frame.pts = pts
    frame.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
    return frame


def _frame(index: int, frame_count: int, width: int, height: int) -> av.VideoFrame:
    """A YUV 4:2:0 frame built from bytes, so no numpy is needed: a bar sweeping across a
    gradient over the second, on a background whose colour drifts."""
    frame = av.VideoFrame(width, height, "yuv420p")
    luma, chroma_u, chroma_v = frame.planes

    bar_width = max(width // 8, 2)
    bar_left = round(index / max(frame_count - 1, 1) * (width - bar_width))
    row = bytearray(40 + (120 * x) // width for x in range(width))
    row[bar_left : bar_left + bar_width] = b"\xeb" * bar_width
    # Planes may be wider in memory than the picture (line_size): pad every row to it.
    luma.update(bytes(row).ljust(luma.line_size, b"\x00") * height)

    phase = 2 * math.pi * index / frame_count
    u_value = 128 + round(90 * math.sin(phase))
    v_value = 128 + round(90 * math.cos(phase))
    chroma_height = chroma_u.height
    chroma_u.update(bytes([u_value]) * (chroma_u.line_size * chroma_height))
    chroma_v.update(bytes([v_value]) * (chroma_v.line_size * chroma_height))
    return frame
