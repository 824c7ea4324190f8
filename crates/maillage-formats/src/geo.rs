//! Coordinates as French exports give them: Lambert-93 (RGF93, EPSG:2154) X/Y in metres,
//! the projection of most French GIS tools, converted to the WGS84 latitude and longitude the
//! standard asks for.
//!
//! The inverse Lambert conformal conic projection, with the constants the IGN publishes for
//! Lambert-93 (GRS80 ellipsoid; RGF93 and WGS84 differ by a few centimetres, below the
//! precision of any address). About thirty lines do not justify a projection library.

/// First eccentricity of the GRS80 ellipsoid.
const E: f64 = 0.081_819_191_042_815_8;
/// Projection exponent, constant and false origin of Lambert-93 (IGN, NTG_71 and ALG0004).
const N: f64 = 0.725_607_765_053_267;
const C: f64 = 11_754_255.426_096;
const XS: f64 = 700_000.0;
const YS: f64 = 12_655_612.049_876;
/// Central meridian: 3° east of Greenwich.
const LON0: f64 = 3.0 * std::f64::consts::PI / 180.0;

/// The extent of Lambert-93 values for metropolitan France and Corsica, with a margin:
/// anything outside is not a Lambert-93 coordinate of a French place.
pub const LAMBERT93_X: std::ops::RangeInclusive<f64> = 50_000.0..=1_300_000.0;
pub const LAMBERT93_Y: std::ops::RangeInclusive<f64> = 6_000_000.0..=7_150_000.0;

/// Converts Lambert-93 metres to (latitude, longitude) in degrees, or `None` for values
/// outside metropolitan France.
pub fn lambert93_to_wgs84(x: f64, y: f64) -> Option<(f64, f64)> {
    if !(LAMBERT93_X.contains(&x) && LAMBERT93_Y.contains(&y)) {
        return None;
    }
    let dx = x - XS;
    let dy = YS - y;
    let radius = (dx * dx + dy * dy).sqrt();
    let gamma = (dx / dy).atan();
    let longitude = LON0 + gamma / N;
    // Isometric latitude, then the geodetic latitude by fixed-point iteration (converges to
    // 1e-12 rad in a handful of steps).
    let isometric = -(radius / C).ln() / N;
    let mut latitude = 2.0 * isometric.exp().atan() - std::f64::consts::FRAC_PI_2;
    for _ in 0..20 {
        let sin = latitude.sin();
        let next = 2.0 * (((1.0 + E * sin) / (1.0 - E * sin)).powf(E / 2.0) * isometric.exp()).atan()
            - std::f64::consts::FRAC_PI_2;
        let done = (next - latitude).abs() < 1e-12;
        latitude = next;
        if done {
            break;
        }
    }
    Some((latitude.to_degrees(), longitude.to_degrees()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The forward projection, written from the same IGN formulas, to check the inverse.
    fn forward(lat: f64, lon: f64) -> (f64, f64) {
        let (phi, lambda) = (lat.to_radians(), lon.to_radians());
        let sin = phi.sin();
        let isometric =
            ((std::f64::consts::FRAC_PI_4 + phi / 2.0).tan() * ((1.0 - E * sin) / (1.0 + E * sin)).powf(E / 2.0)).ln();
        let radius = C * (-N * isometric).exp();
        let gamma = N * (lambda - LON0);
        (XS + radius * gamma.sin(), YS - radius * gamma.cos())
    }

    #[test]
    fn the_projection_origin_and_round_trips() {
        // The false origin is 46.5°N 3°E by definition.
        let (lat, lon) = lambert93_to_wgs84(700_000.0, 6_600_000.0).unwrap();
        assert!((lat - 46.5).abs() < 1e-9 && (lon - 3.0).abs() < 1e-9, "{lat} {lon}");
        // Brest, Strasbourg, Menton, Dunkerque, Ajaccio: back to the same point within a millimetre.
        for (lat, lon) in [(48.39, -4.49), (48.58, 7.75), (43.77, 7.50), (51.03, 2.37), (41.92, 8.74)] {
            let (x, y) = forward(lat, lon);
            let (back_lat, back_lon) = lambert93_to_wgs84(x, y).unwrap();
            assert!(
                (back_lat - lat).abs() < 1e-8 && (back_lon - lon).abs() < 1e-8,
                "{lat} {lon}: {back_lat} {back_lon}"
            );
        }
        // Paris is about 650 km east and 6,860 km north of the projection's origin.
        let (x, y) = forward(48.8566, 2.3522);
        assert!((x - 652_000.0).abs() < 2_000.0 && (y - 6_862_000.0).abs() < 2_000.0, "{x} {y}");
        // Values that are WGS84 degrees, not metres, are refused.
        assert_eq!(lambert93_to_wgs84(2.35, 48.85), None);
    }
}
