package dev.frost.cli.dashboard;

import dev.frost.cli.train.RunView;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The dashboard of a run that has ended, read from its folder: curves, timeline and groups; every control refused. */
public final class RunDashboard implements AutoCloseable {
    private final DashboardServer server;

    private RunDashboard(DashboardServer server) {
        this.server = server;
    }

    /** Reads {@code dir} (a frost run folder) and serves it on {@code bind}:{@code port} (0: any free port). */
    @SuppressWarnings("unchecked")
    public static RunDashboard serve(Path dir, String bind, int port) {
        Map<String, Object> view = RunView.of(dir);
        DashboardState state = new DashboardState();
        view.forEach((k, v) -> {
            if (DashboardState.SERIES.contains(k)) {
                ((List<Map<String, Object>>) v).forEach(item -> state.add(k, item));
            } else {
                state.set(k, v);
            }
        });
        state.set("readOnly", "this run has ended: the page shows its record (per epoch) and the controls are off");
        return new RunDashboard(new DashboardServer(state, null, bind, port));
    }

    public String url() {
        return server.url();
    }

    public int port() {
        return server.port();
    }

    public String token() {
        return server.token();
    }

    @Override
    public void close() {
        server.close();
    }
}
