package dev.bonsai.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which addresses a webhook may go to when non-public targets are not allowed (the default). */
class WebhookTargetsTest {

    @Test
    void everyKindOfNonPublicAddressIsRefused() throws Exception {
        List<String> refused = List.of("127.0.0.1", "127.9.9.9", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1",
                "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "192.0.0.8",
                "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "240.0.0.1", "255.255.255.255",
                "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1",
                "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe");
        for (String address : refused) {
            assertTrue(WebhookTargets.nonPublic(InetAddress.getByName(address)).isPresent(), address + " counted public");
        }
        List<String> allowed = List.of("93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "11.0.0.1",
                "2606:4700:4700::1111", "64:ff9b::808:808");
        for (String address : allowed) {
            assertEquals(Optional.empty(), WebhookTargets.nonPublic(InetAddress.getByName(address)), address);
        }
    }

    @Test
    void aHostIsRefusedWhenItResolvesToANonPublicAddressUnlessTheOperatorAllowsIt() throws Exception {
        WebhookTargets.Refused refused = assertThrows(WebhookTargets.Refused.class,
                () -> WebhookTargets.resolve(URI.create("http://localhost:8080/hook"), false));
        assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());
        assertThrows(WebhookTargets.Refused.class, () -> WebhookTargets.resolve(URI.create("http://[::1]/hook"), false));
        assertThrows(WebhookTargets.Refused.class, () -> WebhookTargets.resolve(URI.create("http://2130706433/hook"), false),
                "127.0.0.1 written as one number");
        assertTrue(WebhookTargets.resolve(URI.create("http://127.0.0.1:9/hook"), true).isLoopbackAddress());
        assertThrows(WebhookTargets.Refused.class,
                () -> WebhookTargets.resolve(URI.create("http://no-such-host.invalid/hook"), true));
    }

    @Test
    void urlsGivenAsNonPublicAddressesAreRefusedWhenTheyAreMade() {
        for (String url : List.of("http://127.0.0.1/hook", "http://localhost/hook", "http://api.localhost/hook",
                "http://[::1]:8080/hook", "https://169.254.169.254/latest/meta-data", "http://10.1.2.3/hook")) {
            assertTrue(WebhookTargets.problem(url, false).isPresent(), url);
            assertEquals(Optional.empty(), WebhookTargets.problem(url, true), url + " with non-public targets allowed");
        }
        assertEquals(Optional.empty(), WebhookTargets.problem("https://hooks.example.com/bonsai?team=7", false));
    }
}
