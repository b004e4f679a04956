package dev.bonsai.platform;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This process's name where it claims jobs and in its logs: the configured name or the host's
 * (on Kubernetes, the pod's), with a random suffix, so that no two processes share one — not two
 * on one host, nor hosts whose names cannot be looked up.
 */
@ApplicationScoped
public class InstanceName {

    private static final int SUFFIX_LENGTH = 6;

    private final String name;

    @Inject
    public InstanceName(BonsaiConfig config) {
        this.name = of(config.jobs().instanceName().orElseGet(InstanceName::hostName));
    }

    public String name() {
        return name;
    }

    static String of(String base) {
        String cleaned = base.strip().replaceAll("[^A-Za-z0-9._-]", "-");
        return (cleaned.isEmpty() ? "bonsai" : cleaned) + "-" + Ids.randomBase62(SUFFIX_LENGTH).toLowerCase();
    }

    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "bonsai";
        }
    }
}
