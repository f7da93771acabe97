# scripts/lib/voices.sh: the default voice's teacher voices, sourced by
# scripts/build-voice-corpus.sh and scripts/eval/teacher-wer.sh so the
# corpus and its evaluation synthesize and condition speech the same way.
# Needs $VALLE (the valle binary) set by the caller.

# The ten Debian synthetic voices (speaker folder names).
VOICES=(flite-kal16 flite-awb flite-rms flite-slt festival-kal festival-ked
        festival-slt-hts espeak-en-us espeak-en-us-f3 espeak-en-gb-rp)

# synthesize SPEAKER TEXT RAW.wav: speaks TEXT with SPEAKER's synthesizer.
synthesize() {
    local spk=$1 text=$2 raw=$3
    case $spk in
    flite-*) flite -voice "${spk#flite-}" -t "$text" -o "$raw" ;;
    festival-kal) printf '%s\n' "$text" | text2wave -eval '(voice_kal_diphone)' -o "$raw" ;;
    festival-ked) printf '%s\n' "$text" | text2wave -eval '(voice_ked_diphone)' -o "$raw" ;;
    festival-slt-hts) printf '%s\n' "$text" | text2wave -eval '(voice_cmu_us_slt_arctic_hts)' -o "$raw" ;;
    espeak-en-us) espeak-ng -v en-us -w "$raw" -- "$text" ;;
    espeak-en-us-f3) espeak-ng -v en-us+f3 -w "$raw" -- "$text" ;;
    espeak-en-gb-rp) espeak-ng -v en-gb-x-rp -w "$raw" -- "$text" ;;
    *) echo "unknown voice $spk" >&2; return 1 ;;
    esac
}

# condition IN.wav OUT.wav: 16 kHz mono, DC removed, silence trimmed to
# 0.15 s (45 dB below the peak), active level -26 dBFS.
condition() {
    "$VALLE" audio convert "$1" -o "$2" --mono --rate 16000 --dc \
        --trim 45 --margin 0.15 --level -26 >/dev/null
}
