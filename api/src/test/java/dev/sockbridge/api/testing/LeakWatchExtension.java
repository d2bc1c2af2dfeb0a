package dev.sockbridge.api.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(LeakWatchExtension.class)}: {@link LeakWatch#install()} before a test class's first test and
 * {@link LeakWatch#assertNoLeaks()} after its last, for classes (fuzz tests above all) that check leaks themselves
 * with {@link LeakWatch#assertNoLeakReported()} and want the class-wide check too.
 */
public final class LeakWatchExtension implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        LeakWatch.install();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        LeakWatch.assertNoLeaks();
    }
}
