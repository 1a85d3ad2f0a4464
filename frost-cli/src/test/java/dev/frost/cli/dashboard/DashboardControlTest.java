package dev.frost.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.frost.policy.FreezePolicy;
import dev.frost.train.FitResult;
import dev.frost.train.TrainingContext;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Refusal while a freezing policy controls the groups, detaching it, single-layer toggles, and who made each change
 * in the freeze timeline (the trainer's and the page's).
 */
class DashboardControlTest {
    /** Freezes fc1 at step 5 and counts its calls (to see that a detached policy is no longer called). */
    static final class FreezeFc1 implements FreezePolicy {
        final AtomicLong calls = new AtomicLong();

        @Override
        public String name() {
            return "freeze-fc1";
        }

        @Override
        public void beforeStep(TrainingContext ctx) {
            calls.incrementAndGet();
            if (ctx.globalStep() == 5) {
                ctx.model().group("fc1").freeze();
            }
        }
    }

    @Test
    void aPolicyControlsTheGroupsUntilDetachedAndEveryChangeNamesWhoMadeIt() throws Exception {
        FreezeFc1 policy = new FreezeFc1();
        try (LiveRun run = new LiveRun(null, policy)) {
            run.await("the policy froze fc1", s -> s.get("globalStep").asLong() >= 10
                    && LiveRun.group(s, "fc1").get("frozen").asBoolean());
            JsonNode refused = run.command("freeze", "fc2");
            assertFalse(refused.get("applied").asBoolean(), refused.toString());
            assertEquals("group 'fc2' is controlled by the freezing policy 'freeze-fc1': detach the policy first",
                    refused.get("reason").asText());
            JsonNode layerRefused = run.commandForm("unfreeze", "layer=fc1");
            assertFalse(layerRefused.get("applied").asBoolean(), layerRefused.toString());
            assertTrue(LiveRun.group(run.state(), "fc1").get("frozen").asBoolean(), "refusals change nothing");
            assertFalse(LiveRun.group(run.state(), "fc2").get("frozen").asBoolean());
            assertEquals("freeze-fc1", LiveRun.group(run.state(), "fc2").get("policy").asText());

            JsonNode detached = run.commandForm("detach", "");
            assertTrue(detached.get("applied").asBoolean(), detached.toString());
            JsonNode st = run.state();
            assertTrue(st.get("policies").get(0).get("detached").asBoolean(), st.get("policies").toString());
            assertTrue(LiveRun.group(st, "fc2").get("policy").isNull());
            long callsAtDetach = policy.calls.get();
            JsonNode again = run.commandForm("detach", "");
            assertEquals("no freezing policy is attached", again.get("reason").asText());

            // now the page may change groups: unfreeze fc1, freeze fc2
            JsonNode thaw = run.command("unfreeze", "fc1");
            assertTrue(thaw.get("applied").asBoolean(), thaw.toString());
            JsonNode fc2 = run.command("freeze", "fc2");
            assertTrue(fc2.get("applied").asBoolean(), fc2.toString());
            long f2 = fc2.get("step").asLong();
            run.await("steps after the changes", s -> s.get("globalStep").asLong() >= f2 + 10);
            assertEquals(callsAtDetach, policy.calls.get(), "a detached policy is no longer called");

            // the live timeline (what the page draws) names who changed each group
            JsonNode tl = run.state().get("timeline");
            assertTrue(has(tl, "fc1", true, "freeze-fc1", 5), tl.toString());
            assertTrue(has(tl, "fc1", false, "dashboard", thaw.get("step").asLong()), tl.toString());
            assertTrue(has(tl, "fc2", true, "dashboard", f2), tl.toString());

            // a single layer: freezing layer fc1 stops fc1's weights, its group is then partly frozen
            JsonNode layer = run.commandForm("freeze", "layer=fc1");
            assertTrue(layer.get("applied").asBoolean(), layer.toString());
            long l = layer.get("step").asLong();
            JsonNode g = LiveRun.group(run.state(), "fc1");
            assertFalse(g.get("frozen").asBoolean(), "relu1 keeps the group from being wholly frozen");
            assertFalse(g.get("layers").get(0).get("trainable").asBoolean(), g.toString());
            assertTrue(g.get("layers").get(1).get("trainable").asBoolean(), g.toString());
            run.await("frozen-layer steps", s -> s.get("globalStep").asLong() >= l + 15);
            JsonNode unknown = run.commandForm("freeze", "layer=nope");
            assertFalse(unknown.get("applied").asBoolean());
            assertTrue(unknown.get("reason").asText().contains("unknown layer 'nope'"), unknown.toString());
            JsonNode back = run.commandForm("unfreeze", "layer=fc1");
            assertTrue(back.get("applied").asBoolean(), back.toString());
            long b = back.get("step").asLong();
            run.await("thawed-layer steps", s -> s.get("globalStep").asLong() >= b + 10);

            FitResult r = run.stop();
            for (long i = l - 5; i < l; i++) {
                assertEquals(Boolean.TRUE, run.fc1Moved.get(i), "step " + i + " before the layer freeze");
            }
            for (long i = l; i < b; i++) {
                assertEquals(Boolean.FALSE, run.fc1Moved.get(i), "step " + i + " with layer fc1 frozen");
            }
            for (long i = b; i < b + 10; i++) {
                assertEquals(Boolean.TRUE, run.fc1Moved.get(i), "step " + i + " after the layer unfreeze");
            }
            // the trainer's own timeline (what run.json keeps) has the same authors
            assertTrue(r.timeline().contains(new FitResult.FreezeEvent(5, 0, "fc1", true, "freeze-fc1")),
                    r.timeline().toString());
            assertTrue(r.timeline().stream().anyMatch(e -> e.group().equals("fc2") && e.frozen()
                    && e.step() == f2 && e.by().equals("dashboard")), r.timeline().toString());
        }
    }

    @Test
    void anEventWithoutAuthorReadsAsUser() {
        FitResult.FreezeEvent old = new FitResult.FreezeEvent(3, 0, "fc1", true);
        assertEquals("user", old.by());
        assertEquals("user", new FitResult.FreezeEvent(3, 0, "fc1", true, null).by());
    }

    private static boolean has(JsonNode timeline, String group, boolean frozen, String by, long step) {
        for (JsonNode e : timeline) {
            if (e.get("group").asText().equals(group) && e.get("frozen").asBoolean() == frozen
                    && e.get("by").asText().equals(by) && e.get("step").asLong() == step) {
                return true;
            }
        }
        return false;
    }
}
