/* src/text/espeak_worker.c: espeak-ng in a forked worker process, for text
 * we do not control (IPA of any language). espeak-ng 1.51, Debian's, has
 * memory-safety bugs that some inputs reach (fuzzing found a use-after-free
 * on one Gurmukhi sign); in the worker such an input kills the worker, and
 * the caller gets VL_ERR_FORMAT with a message instead of a crash. The next
 * call starts a new worker.
 *
 * The worker is forked on first use, so it inherits nothing but memory; it
 * initialises espeak itself and answers requests on a socket pair until the
 * socket closes (our exit). Request: u32 ipa, u32 lang bytes, u32 text
 * bytes, lang, text. Answer: i32 status, u32 bytes, the phonemes (or, for a
 * negative status, the error message). A worker that stays silent for
 * WORKER_TIMEOUT_MS per call is killed. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "text_internal.h"
#include "valle/core.h"

#ifdef VALLE_HAVE_ESPEAK

#include "espeak_internal.h"

#define WORKER_TIMEOUT_MS 60000
#define MAX_REQUEST (64u << 20)

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t worker_pid;
static int worker_fd = -1;

static int send_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        c += k, n -= (size_t)k;
    }
    return 0;
}

/* timeout_ms < 0: wait for ever (the worker waiting for requests) */
static int recv_all(int fd, void *p, size_t n, int timeout_ms) {
    char *c = p;
    while (n) {
        if (timeout_ms >= 0) {
            struct pollfd pf = {fd, POLLIN, 0};
            int r = poll(&pf, 1, timeout_ms);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return -2;  /* timed out */
        }
        ssize_t k = recv(fd, c, n, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        c += k, n -= (size_t)k;
    }
    return 0;
}

static void answer(int fd, int32_t status, const char *s) {
    uint32_t n = (uint32_t)strlen(s);
    if (send_all(fd, &status, 4) || send_all(fd, &n, 4) || send_all(fd, s, n)) _exit(0);
}

static _Noreturn void worker_main(int fd) {
    int rc = espeak_init_locked();
    for (;;) {
        uint32_t h[3];
        if (recv_all(fd, h, sizeof h, -1)) _exit(0);
        if (h[1] > 256 || h[2] > MAX_REQUEST) _exit(1);
        char *lang = malloc(h[1] + 1), *text = malloc(h[2] + 1);
        if (!lang || !text || recv_all(fd, lang, h[1], -1) || recv_all(fd, text, h[2], -1)) _exit(1);
        lang[h[1]] = 0, text[h[2]] = 0;
        int r = rc < 0 ? rc : espeak_voice_locked(lang);
        if (r < 0) {
            answer(fd, r, vl_last_error());
        } else {
            tbuf o = {0};
            if (*text) espeak_phonemes_locked(text, h[0] != 0, &o);
            answer(fd, VL_OK, o.p ? o.p : "");
            tb_free(&o);
        }
        free(lang);
        free(text);
    }
}

static void stop_locked(void) {
    if (worker_fd < 0) return;
    close(worker_fd);
    worker_fd = -1;
    int st;
    if (waitpid(worker_pid, &st, WNOHANG) == 0) {
        kill(worker_pid, SIGKILL);
        waitpid(worker_pid, &st, 0);
    }
}

static void stop_at_exit(void) {
    pthread_mutex_lock(&worker_lock);
    stop_locked();
    pthread_mutex_unlock(&worker_lock);
}

static int start_locked(void) {
    static bool registered;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return vl_error(VL_ERR_IO, "espeak worker: socketpair: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]), close(sv[1]);
        return vl_error(VL_ERR_IO, "espeak worker: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        worker_main(sv[1]);
    }
    close(sv[1]);
    worker_fd = sv[0], worker_pid = pid;
    if (!registered) registered = true, atexit(stop_at_exit);
    return VL_OK;
}

int espeak_worker_call(const char *lang, const char *text, bool ipa, char **out) {
    *out = NULL;
    int rc = espeak_check_lang(lang);
    if (rc < 0) return rc;
    size_t tn = strlen(text);
    if (tn > MAX_REQUEST) return vl_error(VL_ERR_ARG, "espeak: text over %u bytes", MAX_REQUEST);
    pthread_mutex_lock(&worker_lock);
    if (worker_fd < 0 && (rc = start_locked()) < 0) {
        pthread_mutex_unlock(&worker_lock);
        return rc;
    }
    uint32_t h[3] = {ipa, (uint32_t)strlen(lang), (uint32_t)tn};
    int32_t status = 0;
    uint32_t n = 0;
    int io = send_all(worker_fd, h, sizeof h) || send_all(worker_fd, lang, h[1]) ||
             send_all(worker_fd, text, tn) ? -1 : 0;
    if (!io) io = recv_all(worker_fd, &status, 4, WORKER_TIMEOUT_MS);
    if (!io) io = recv_all(worker_fd, &n, 4, WORKER_TIMEOUT_MS);
    char *buf = NULL;
    if (!io && n <= MAX_REQUEST * 8u) {
        buf = vl_xmalloc((size_t)n + 1);
        io = recv_all(worker_fd, buf, n, WORKER_TIMEOUT_MS);
        buf[n] = 0;
    } else if (!io) {
        io = -1;
    }
    if (io) {
        stop_locked();
        pthread_mutex_unlock(&worker_lock);
        free(buf);
        if (io == -2)
            return vl_error(VL_ERR_FORMAT, "espeak-ng did not answer in %d s on this text",
                            WORKER_TIMEOUT_MS / 1000);
        return vl_error(VL_ERR_FORMAT, "espeak-ng failed on this text (its worker process died)");
    }
    pthread_mutex_unlock(&worker_lock);
    if (status < 0) {
        vl_error(status, "%s", buf);
        free(buf);
        return status;
    }
    *out = buf;
    return VL_OK;
}

int espeak_worker_pid(void) {
    pthread_mutex_lock(&worker_lock);
    int pid = worker_fd >= 0 ? (int)worker_pid : -1;
    pthread_mutex_unlock(&worker_lock);
    return pid;
}

#else

int espeak_worker_pid(void) { return -1; }

#endif
