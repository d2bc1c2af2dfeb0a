package dev.sockbridge.api.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Puts a test class (typically a fuzz test fed hostile input) under {@link LeakWatch}: the detector is set to
 * paranoid before the class's first test, and {@link LeakWatch#assertNoLeaks()} runs after its last, so a leak
 * that surfaces only once a buffer is collected still fails the class. Tests should also call
 * {@link LeakWatch#assertNoLeakReported()} per input, which names the input that leaked.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LeakWatched.Callbacks.class)
public @interface LeakWatched {
    /** The JUnit callbacks behind the annotation. */
    final class Callbacks implements BeforeAllCallback, AfterAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            LeakWatch.install();
        }

        @Override
        public void afterAll(ExtensionContext context) {
            LeakWatch.assertNoLeaks();
        }
    }
}
