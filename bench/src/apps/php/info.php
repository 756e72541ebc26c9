<?php
// A real page's worth of PHP: phpinfo() builds about 70 KB of HTML from the whole configuration.
phpinfo();
