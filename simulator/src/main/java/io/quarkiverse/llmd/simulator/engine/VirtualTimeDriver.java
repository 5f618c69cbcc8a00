package io.quarkiverse.llmd.simulator.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Drives an {@link EngineCore} in virtual time, for tests and discrete-event simulations: requests arrive at given
 * times, are admitted at the next step boundary, and every step advances the clock by its modelled duration.
 * Deterministic: no threads, no wall clock.
 */
public final class VirtualTimeDriver {

    /** Per-request timings in virtual seconds; {@code firstToken} and {@code finish} are NaN until they happen. */
    public static final class Timing {
        public final double arrival;
        public double firstToken = Double.NaN;
        public double finish = Double.NaN;
        public String reason;

        Timing(double arrival) {
            this.arrival = arrival;
        }

        public double ttft() {
            return firstToken - arrival;
        }

        public double e2e() {
            return finish - arrival;
        }
    }

    private record Arrival(double time, long seq, SimRequest request) {
    }

    private final EngineCore engine;
    private final PriorityQueue<Arrival> arrivals = new PriorityQueue<>(
            (x, y) -> x.time != y.time ? Double.compare(x.time, y.time) : Long.compare(x.seq, y.seq));
    private final Map<SimRequest, Timing> timings = new HashMap<>();
    private final List<StepResult> steps = new ArrayList<>();
    private final boolean keepSteps;
    private double now;
    private long seq;

    public VirtualTimeDriver(EngineCore engine, boolean keepSteps) {
        this.engine = engine;
        this.keepSteps = keepSteps;
    }

    public double now() {
        return now;
    }

    public EngineCore engine() {
        return engine;
    }

    /** Schedules an arrival; returns its timing record, filled in as the simulation runs. */
    public Timing submitAt(double time, SimRequest r) {
        Timing t = new Timing(time);
        timings.put(r, t);
        arrivals.add(new Arrival(time, seq++, r));
        return t;
    }

    public Timing timing(SimRequest r) {
        return timings.get(r);
    }

    /** Steps recorded so far (only when constructed with keepSteps). */
    public List<StepResult> steps() {
        return steps;
    }

    /** Runs until no arrival is pending and the engine is idle, or until the clock passes {@code until}. */
    public void run(double until) {
        while (now <= until) {
            while (!arrivals.isEmpty() && arrivals.peek().time <= now) {
                engine.submit(arrivals.poll().request);
            }
            if (!engine.hasWork()) {
                if (arrivals.isEmpty()) {
                    return;
                }
                now = arrivals.peek().time;
                continue;
            }
            StepResult res = engine.step();
            now += res.durationSeconds();
            if (keepSteps) {
                steps.add(res);
            }
            for (SimRequest r : res.progressed()) {
                Timing t = timings.get(r);
                if (t != null && r.numOutput() == 1 && Double.isNaN(t.firstToken)) {
                    t.firstToken = now;
                }
            }
            for (SimRequest r : res.finished()) {
                Timing t = timings.get(r);
                if (t != null) {
                    t.finish = now;
                    t.reason = r.endReason();
                }
            }
        }
    }

    public void runToCompletion() {
        run(Double.MAX_VALUE);
    }
}
