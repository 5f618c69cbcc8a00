package io.quarkiverse.llmd.engine.autoscaling;

/** Dense inversion of the tiny symmetric systems the calibration solves (at most 3 x 3). */
final class Matrices {

    private Matrices() {
    }

    /**
     * The inverse of {@code a} by Gauss-Jordan elimination with partial pivoting, or {@code null} when a pivot is
     * below {@code 1e-12} of the largest diagonal entry (the system is singular for our purposes).
     */
    static double[][] invert(double[][] a) {
        int k = a.length;
        double scale = 0;
        for (int i = 0; i < k; i++) {
            scale = Math.max(scale, Math.abs(a[i][i]));
        }
        if (scale == 0) {
            return null;
        }
        double[][] m = new double[k][2 * k];
        for (int i = 0; i < k; i++) {
            System.arraycopy(a[i], 0, m[i], 0, k);
            m[i][k + i] = 1;
        }
        for (int col = 0; col < k; col++) {
            int pivot = col;
            for (int r = col + 1; r < k; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(m[pivot][col]) < 1e-12 * scale) {
                return null;
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            double p = m[col][col];
            for (int c = 0; c < 2 * k; c++) {
                m[col][c] /= p;
            }
            for (int r = 0; r < k; r++) {
                if (r != col && m[r][col] != 0) {
                    double f = m[r][col];
                    for (int c = 0; c < 2 * k; c++) {
                        m[r][c] -= f * m[col][c];
                    }
                }
            }
        }
        double[][] inv = new double[k][k];
        for (int i = 0; i < k; i++) {
            System.arraycopy(m[i], k, inv[i], 0, k);
        }
        return inv;
    }
}
