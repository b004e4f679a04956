package dev.bonsai.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.platform.ProblemException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Closing waits for the sessions being created, and refuses new ones. */
class NativeWorkTest {

    @Test
    void closingWaitsForWorkUnderWayAndRefusesNewWork() throws Exception {
        NativeWork work = new NativeWork();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> creating = CompletableFuture.supplyAsync(() -> work.run(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "session";
        }));
        assertTrue(started.await(5, TimeUnit.SECONDS));
        CompletableFuture<Boolean> closing = CompletableFuture.supplyAsync(() -> work.closeAndAwait(Duration.ofSeconds(10)));
        Thread.sleep(300);
        assertFalse(closing.isDone(), "closing returned while a session was being created");
        ProblemException refused = assertThrows(ProblemException.class, () -> work.run(() -> "another"));
        assertEquals(503, refused.type().status());
        release.countDown();
        assertTrue(closing.get(5, TimeUnit.SECONDS));
        assertEquals("session", creating.get(5, TimeUnit.SECONDS), "the work under way finished");
        assertEquals(0, work.running());
    }

    @Test
    void closingGivesUpAfterItsWait() throws Exception {
        NativeWork work = new NativeWork();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture.runAsync(() -> work.run(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertTrue(started.await(5, TimeUnit.SECONDS));
        long before = System.nanoTime();
        assertFalse(work.closeAndAwait(Duration.ofMillis(200)));
        assertTrue(System.nanoTime() - before >= 190_000_000L);
        release.countDown();
    }
}
